-- list_tags: the tags in use, most used first, then by name.
-- No parameters. Returns one row per tag: tag.
-- Tags whose articles were all deleted stay in blog.tags but are not listed.
-- An index-only scan of article_tags_tag_idx, grouped.
select tag
  from blog.article_tags
 group by tag
 order by count(*) desc, tag
