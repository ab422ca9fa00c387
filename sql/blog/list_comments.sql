-- list_comments: the comments of an article, newest first, each with its author's profile as
-- seen by the viewer: one statement.
-- $1 slug, $2 viewer user id (bigint or null).
-- Returns 0 rows when no article has that slug (404); otherwise one row per comment, or one
-- row whose id is null when the article has no comments.
-- @not-null author_following
select c.id,
       c.body,
       c.created_at,
       c.updated_at,
       u.username                                               as author_username,
       u.bio                                                    as author_bio,
       u.image                                                  as author_image,
       exists (select 1
                 from blog.follows fo
                where fo.follower_id = $2::bigint
                  and fo.followed_id = c.author_id)             as author_following
  from blog.articles a
  left join (blog.comments c
             join blog.users u on u.id = c.author_id) on c.article_id = a.id
 where a.slug = $1::text
 order by c.created_at desc, c.id desc
