-- list_tags: one page of the tags in use, most used first, then by name.
-- $1 limit, $2 offset (the library clamps both: RealWorld has no paging here, so a default
-- page bounds the response; the grouping below still reads every link, see next paragraph).
-- Returns one row per tag: tag.
-- Tags whose articles were all deleted stay in blog.tags but are not listed.
-- An index-only scan of article_tags_tag_idx, grouped: its cost grows with the number of links
-- (about 60 ms for 300k on the benchmark machine). A per-tag counter would make it constant but,
-- like a stored favorites count, would need every path that removes links (cascades included)
-- to keep it right; counting cannot drift.
select tag
  from blog.article_tags
 group by tag
 order by count(*) desc, tag
 limit $1::integer offset $2::integer
