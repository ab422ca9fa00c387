-- list_comments: one page of the comments of an article, newest first, each with its author's
-- profile as seen by the viewer: one statement.
-- $1 slug, $2 viewer user id (bigint or null), $3 limit, $4 offset (the library clamps both:
-- RealWorld has no paging here, so a default page bounds the work of a much-commented article).
-- Returns 0 rows when no article has that slug (404); otherwise one row per comment, or one
-- row whose id is null when the page is empty. The page is cut inside the lateral subquery, so
-- an offset past the last comment still yields that one row of nulls, not a false 404.
-- @not-null author_following
select c.id,
       c.body,
       c.created_at,
       c.updated_at,
       c.author_username,
       c.author_bio,
       c.author_image,
       coalesce(c.author_following, false)                      as author_following
  from blog.articles a
  left join lateral (
         select c.id, c.body, c.created_at, c.updated_at,
                u.username                                      as author_username,
                u.bio                                           as author_bio,
                u.image                                         as author_image,
                exists (select 1
                          from blog.follows fo
                         where fo.follower_id = $2::bigint
                           and fo.followed_id = c.author_id)    as author_following
           from blog.comments c
           join blog.users u on u.id = c.author_id
          where c.article_id = a.id
          order by c.created_at desc, c.id desc
          limit $3::integer offset $4::integer
       ) c on true
 where a.slug = $1::text
 order by c.created_at desc, c.id desc
