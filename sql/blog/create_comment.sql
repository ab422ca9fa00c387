-- create_comment: the viewer comments on an article.
-- $1 slug, $2 viewer user id (bigint), $3 body.
-- Returns 0 rows (no such article) or 1 row: id, body, created_at, updated_at, author_username,
-- author_bio, author_image, author_following (false: nobody follows themselves).
-- @not-null author_following
with target as (
  select id
    from blog.articles
   where slug = $1::text
),
inserted as (
  insert into blog.comments (article_id, author_id, body)
  select t.id, $2::bigint, $3::text
    from target t
  returning id, body, created_at, updated_at, author_id
)
select i.id,
       i.body,
       i.created_at,
       i.updated_at,
       u.username                                               as author_username,
       u.bio                                                    as author_bio,
       u.image                                                  as author_image,
       false                                                    as author_following
  from inserted i
  join blog.users u on u.id = i.author_id
