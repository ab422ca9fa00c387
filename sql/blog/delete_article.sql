-- delete_article: deletes the viewer's article; its comments, favorites and tag links go with it
-- (ON DELETE CASCADE on each of their foreign keys).
-- $1 slug, $2 viewer user id (bigint).
-- Returns 0 rows (no such article) or 1 row: allowed (the viewer is the author; false: 403),
-- done (false with allowed: the article vanished meanwhile, 404).
-- @not-null done
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
select t.author_id = $2::bigint            as allowed,
       exists (select 1 from deleted)      as done
  from target t
