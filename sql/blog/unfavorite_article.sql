-- unfavorite_article: the viewer takes back a favorite; unfavoriting twice is not an error.
-- $1 slug, $2 viewer user id (bigint).
-- Returns 0 rows (no such article) or 1 row shaped like find_article.
-- favoritesCount: rows committed before this statement minus the one it deleted (see
-- favorite_article for why it is counted rather than stored).
-- @not-null tag_list, favorited, favorites_count, author_following
with target as (
  select id, slug, title, description, body, created_at, updated_at, author_id
    from blog.articles
   where slug = $1::text
),
deleted as (
  delete from blog.favorites f
   using target t
   where f.user_id = $2::bigint
     and f.article_id = t.id
  returning f.article_id
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
       false                                                    as favorited,
       (select count(*)::int
          from blog.favorites f
         where f.article_id = t.id)
       - (select count(*)::int from deleted)                    as favorites_count,
       u.username                                               as author_username,
       u.bio                                                    as author_bio,
       u.image                                                  as author_image,
       exists (select 1
                 from blog.follows fo
                where fo.follower_id = $2::bigint
                  and fo.followed_id = t.author_id)             as author_following
  from target t
  join blog.users u on u.id = t.author_id
