-- refresh_inbox: REFRESH MATERIALIZED VIEW CONCURRENTLY chat.inbox (readers are not blocked).
-- No parameters. Returns one row.
select chat.refresh_inbox() as refreshed;
