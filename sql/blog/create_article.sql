-- create_article: inserts an article with its tags in one statement.
-- $1 author user id (bigint), $2 base slug (slugified title, never 'feed'), $3 title,
-- $4 description, $5 body, $6 tags (text[], trimmed, non-empty, distinct).
-- Returns 0 rows when another article took the candidate slug between this statement's
-- snapshot and its insert (a concurrent create of the same title): the caller runs it again, and
-- the second run sees that slug and falls back to slug-<id>. Otherwise 1 row, shaped like
-- find_article.
-- The id is drawn first so that the fallback slug can end in it: ids are unique, so slug-<id>
-- can only collide with an article whose own title slugified to exactly slug-<id>, which the
-- same "0 rows, run again" path absorbs.
-- Tags: "on conflict do nothing" may skip a tag another transaction is inserting; the links
-- still work because article_tags references tags by name and its foreign key check sees
-- committed rows, unlike a snapshot read of tag ids.
-- @not-null tag_list, favorited, favorites_count, author_following
with new_article as (
  select nextval(pg_get_serial_sequence('blog.articles', 'id')) as id
),
inserted as (
  insert into blog.articles (id, author_id, slug, title, description, body)
  select n.id,
         $1::bigint,
         case when not exists (select 1 from blog.articles where slug = $2::text)
              then $2::text
              else $2::text || '-' || n.id
         end,
         $3::text, $4::text, $5::text
    from new_article n
      on conflict on constraint articles_slug_key do nothing
  returning *
),
tag_names as (
  select distinct unnest($6::text[]) as name
),
new_tags as (
  -- In name order, so that two statements inserting the same new tags wait for each other in
  -- one order and cannot deadlock.
  insert into blog.tags (name)
  select name
    from tag_names
   where exists (select 1 from inserted)
   order by name
      on conflict on constraint tags_pkey do nothing
),
links as (
  insert into blog.article_tags (article_id, tag)
  select i.id, t.name
    from inserted i
   cross join tag_names t
)
select i.slug,
       i.title,
       i.description,
       i.body,
       array(select name from tag_names order by name)          as tag_list,
       i.created_at,
       i.updated_at,
       false                                                    as favorited,
       0                                                        as favorites_count,
       u.username                                               as author_username,
       u.bio                                                    as author_bio,
       u.image                                                  as author_image,
       false                                                    as author_following
  from inserted i
  join blog.users u on u.id = i.author_id
