-- list_inbox: the user's conversations, most recently active first, each with its last message
-- and the trigger-kept unread count (chat.members.unread_count): exact at every commit, and no
-- count over messages at read time. The bench (bench/chat.ts) compares it with list_inbox_mv.sql.
-- $1 user id, $2 rows (limit). Returns id, kind, name, last_seq, last_message_at, unread_count,
-- last_read_seq, last_sender_id, last_body (first 200 characters; null when deleted or no message),
-- peer_id and peer_name (the other user of a direct conversation).
-- Plan: members_user_id_idx for the user's memberships, conversations_pkey and messages_pkey per
-- row, then a top-N sort on last_message_at: O(conversations of the user).
-- @not-null id, kind, last_seq, unread_count, last_read_seq
select c.id,
       c.kind,
       c.name,
       c.last_seq,
       c.last_message_at,
       m.unread_count,
       m.last_read_seq,
       lm.sender_id       as last_sender_id,
       left(lm.body, 200) as last_body,
       p.id               as peer_id,
       p.name             as peer_name
  from chat.members m
  join chat.conversations c on c.id = m.conversation_id
  left join chat.messages lm on lm.conversation_id = c.id and lm.seq = c.last_seq
  left join chat.users p on c.kind = 'direct'
                        and p.id = case when c.direct_low = $1 then c.direct_high else c.direct_low end
 where m.user_id = $1
   and m.left_at is null
 order by c.last_message_at desc nulls last, c.id desc
 limit $2;
