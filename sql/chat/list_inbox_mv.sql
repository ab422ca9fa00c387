-- list_inbox_mv: the same inbox read from the materialized view chat.inbox (stale until the next
-- chat.refresh_inbox()). Kept for the comparison in bench/chat.ts; the API serves list_inbox.sql.
-- $1 user id, $2 rows (limit). Returns conversation_id, kind, name, last_seq, last_message_at,
-- unread_count, last_sender_id, last_body.
-- Plan: inbox_user_id_last_message_at_idx.
select conversation_id,
       kind,
       name,
       last_seq,
       last_message_at,
       unread_count,
       last_sender_id,
       last_body
  from chat.inbox
 where user_id = $1
 order by last_message_at desc nulls last, conversation_id desc
 limit $2;
