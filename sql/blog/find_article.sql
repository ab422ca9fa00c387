-- find_article: one article by slug as seen by the viewer.
-- $1 slug, $2 viewer user id (bigint or null).
-- Returns 0 or 1 row: slug, title, description, body, tag_list, created_at, updated_at,
-- favorited, favorites_count, author_username, author_bio, author_image, author_following.
-- @not-null tag_list, favorited, favorites_count, author_following
select a.slug,
       a.title,
       a.description,
       a.body,
       array(select t.tag
               from blog.article_tags t
              where t.article_id = a.id
              order by t.tag)                                  as tag_list,
       a.created_at,
       a.updated_at,
       exists (select 1
                 from blog.favorites f
                where f.article_id = a.id
                  and f.user_id = $2::bigint)                   as favorited,
       (select count(*)::int
          from blog.favorites f
         where f.article_id = a.id)                             as favorites_count,
       u.username                                               as author_username,
       u.bio                                                    as author_bio,
       u.image                                                  as author_image,
       exists (select 1
                 from blog.follows fo
                where fo.follower_id = $2::bigint
                  and fo.followed_id = a.author_id)             as author_following
  from blog.articles a
  join blog.users    u on u.id = a.author_id
 where a.slug = $1::text
