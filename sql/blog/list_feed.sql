-- list_feed: one page of the articles written by users the viewer follows, newest first, with
-- the total, tags, favorites count and the viewer's flags: one statement, no query per row.
-- $1 viewer user id (bigint), $2 limit (int), $3 offset (int).
-- Returns one row per article; when the page is empty one row whose slug is null (see list_articles).
-- Served by follows_pkey (whom the viewer follows) and articles_author_id_created_at_idx.
-- @not-null articles_count, tag_list, favorited, favorites_count, author_following
with matching as (
  select a.id, a.created_at
    from blog.follows fo
    join blog.articles a on a.author_id = fo.followed_id
   where fo.follower_id = $1::bigint
),
page as (
  select id, created_at
    from matching
   order by created_at desc, id desc
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
       true                                                     as author_following
  from (select count(*)::int as articles_count from matching) c
  left join (page p
             join blog.articles a on a.id = p.id
             join blog.users    u on u.id = a.author_id) on true
 order by p.created_at desc, p.id desc
