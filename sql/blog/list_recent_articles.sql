-- list_recent_articles: one page of all articles, newest first (the unfiltered "global feed", the
-- most requested list), with the total count, and for every article its tags, favorites count
-- and the viewer's flags: one statement, no query per row.
-- $1 viewer user id (bigint or null), $2 limit (int), $3 offset (int).
-- Returns one row per article on the page, each carrying articles_count; when the page is empty
-- one row whose slug is null, so the total is never lost.
-- Why not list_articles with null filters: there the candidates are gathered and materialized
-- before sorting (right when a filter narrows them); here the page walks articles_created_at_idx
-- and stops after offset + limit rows, and the total is one count over articles. Measured at 100k
-- articles: 5 ms instead of 60 to 100 ms.
-- @not-null articles_count, tag_list, favorited, favorites_count, author_following
with page as (
  select a.id, a.created_at
    from blog.articles a
   order by a.created_at desc, a.id desc
   limit $2::int offset $3::int
)
select c.articles_count,
       a.slug,
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
                  and f.user_id = $1::bigint)                   as favorited,
       (select count(*)::int
          from blog.favorites f
         where f.article_id = a.id)                             as favorites_count,
       u.username                                               as author_username,
       u.bio                                                    as author_bio,
       u.image                                                  as author_image,
       exists (select 1
                 from blog.follows fo
                where fo.follower_id = $1::bigint
                  and fo.followed_id = a.author_id)             as author_following
  from (select count(*)::int as articles_count from blog.articles) c
  left join (page p
             join blog.articles a on a.id = p.id
             join blog.users    u on u.id = a.author_id) on true
 order by p.created_at desc, p.id desc
