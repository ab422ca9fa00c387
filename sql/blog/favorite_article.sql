-- favorite_article: the viewer favorites the article; favoriting twice is not an error.
-- $1 slug, $2 viewer user id (bigint).
-- Returns 0 rows (no such article) or 1 row shaped like find_article.
-- favoritesCount is counted, not stored: rows committed before this statement, plus the one it
-- inserted (a data-modifying CTE's rows are invisible to the rest of its own statement).
-- The favorite row is the only thing written, so concurrent favorites of one article take no
-- shared lock and the count can never drift from the rows, cascades included.
-- @not-null tag_list, favorited, favorites_count, author_following
with target as (
  select id, slug, title, description, body, created_at, updated_at, author_id
    from blog.articles
   where slug = $1::text
),
inserted as (
  insert into blog.favorites (user_id, article_id)
  select $2::bigint, t.id
    from target t
      on conflict on constraint favorites_pkey do nothing
  returning article_id
)
select t.slug,
       t.title,
       t.description,
       t.body,
       array(select l.tag
               from blog.article_tags l
              where l.article_id = t.id
              order by l.tag)                                  as tag_list,
       t.created_at,
       t.updated_at,
       true                                                     as favorited,
       (select count(*)::int
          from blog.favorites f
         where f.article_id = t.id)
       + (select count(*)::int from inserted)                   as favorites_count,
       u.username                                               as author_username,
       u.bio                                                    as author_bio,
       u.image                                                  as author_image,
       exists (select 1
                 from blog.follows fo
                where fo.follower_id = $2::bigint
                  and fo.followed_id = t.author_id)             as author_following
  from target t
  join blog.users u on u.id = t.author_id
