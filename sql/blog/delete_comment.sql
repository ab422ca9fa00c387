-- delete_comment: deletes the viewer's comment on the article.
-- $1 slug, $2 comment id (bigint), $3 viewer user id (bigint).
-- Returns 0 rows when the article or the comment does not exist, or the comment belongs to
-- another article (404); otherwise 1 row: allowed (the viewer is the author; false: 403), done
-- (false with allowed: the comment vanished meanwhile, 404).
-- @not-null done
with target as (
  select c.id, c.author_id
    from blog.comments c
    join blog.articles a on a.id = c.article_id
   where a.slug = $1::text
     and c.id = $2::bigint
),
deleted as (
  delete from blog.comments c
   using target t
   where c.id = t.id
     and t.author_id = $3::bigint
  returning c.id
)
select t.author_id = $3::bigint            as allowed,
       exists (select 1 from deleted)      as done
  from target t
