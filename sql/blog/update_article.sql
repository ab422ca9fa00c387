-- update_article: changes the given fields of the viewer's article; a new title moves the slug.
-- $1 slug, $2 viewer user id (bigint), $3 new base slug (slugified new title, or null),
-- $4 title, $5 description, $6 body (each text or null = keep), $7 tags (text[] or null = keep;
-- an array replaces the article's tags).
-- Returns 0 rows (no article with that slug) or 1 row: allowed (the viewer is the author), then
-- the article shaped like find_article, all null when allowed is false (403) or the article
-- vanished meanwhile (404).
-- Slug: the new base if no other article holds it, else base-<id> (unique because ids are).
-- Two concurrent renames to one title can both see the base free: the loser raises 23505 on
-- articles_slug_key and the caller runs the statement again, which then sees the winner.
-- @not-null tag_list, favorited, favorites_count, author_following
with target as (
  select id, author_id
    from blog.articles
   where slug = $1::text
),
updated as (
  update blog.articles a
     set title       = coalesce($4::text, a.title),
         description = coalesce($5::text, a.description),
         body        = coalesce($6::text, a.body),
         slug        = case
                         when $3::text is null then a.slug
                         when not exists (select 1
                                            from blog.articles o
                                           where o.slug = $3::text
                                             and o.id <> a.id) then $3::text
                         else $3::text || '-' || a.id
                       end,
         updated_at  = now()
    from target t
   where a.id = t.id
     and t.author_id = $2::bigint
  returning a.*
),
tag_names as (
  select distinct unnest($7::text[]) as name
),
new_tags as (
  -- In name order, so that two statements inserting the same new tags wait for each other in
  -- one order and cannot deadlock.
  insert into blog.tags (name)
  select name
    from tag_names
   where exists (select 1 from updated)
   order by name
      on conflict on constraint tags_pkey do nothing
),
unlinked as (
  delete from blog.article_tags l
   using updated up
   where $7::text[] is not null
     and l.article_id = up.id
     and l.tag <> all ($7::text[])
),
linked as (
  insert into blog.article_tags (article_id, tag)
  select up.id, t.name
    from updated up
   cross join tag_names t
      on conflict on constraint article_tags_pkey do nothing
)
select t.author_id = $2::bigint                                  as allowed,
       up.slug,
       up.title,
       up.description,
       up.body,
       case when $7::text[] is null
            then array(select l.tag
                         from blog.article_tags l
                        where l.article_id = up.id
                        order by l.tag)
            else array(select name from tag_names order by name)
       end                                                      as tag_list,
       up.created_at,
       up.updated_at,
       exists (select 1
                 from blog.favorites f
                where f.article_id = up.id
                  and f.user_id = $2::bigint)                   as favorited,
       (select count(*)::int
          from blog.favorites f
         where f.article_id = up.id)                            as favorites_count,
       u.username                                               as author_username,
       u.bio                                                    as author_bio,
       u.image                                                  as author_image,
       false                                                    as author_following
  from target t
  left join (updated up
             join blog.users u on u.id = up.author_id) on true
