-- delete_article: deletes the viewer's article; its comments, favorites and tag links go with it
-- (ON DELETE CASCADE on each of their foreign keys).
-- $1 slug, $2 viewer user id (bigint).
-- Returns 0 rows (no such article) or 1 row: is_author (false: 403), deleted (false with
-- is_author: the article vanished meanwhile, 404).
-- @not-null deleted
with target as (
  select id, author_id
    from blog.articles
   where slug = $1::text
),
deleted as (
  delete from blog.articles a
   using target t
   where a.id = t.id
     and t.author_id = $2::bigint
  returning a.id
)
select t.author_id = $2::bigint            as is_author,
       exists (select 1 from deleted)      as deleted
  from target t
