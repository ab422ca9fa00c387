-- find_conversation: a conversation as one of its current members sees it.
-- $1 conversation id, $2 user id. Returns 0 rows when the user is not a current member (or the
-- conversation does not exist), else one row with the caller's role, receipt and unread count.
select c.id,
       c.kind,
       c.name,
       c.last_seq,
       c.last_message_at,
       c.created_at,
       m.role,
       m.last_read_seq,
       m.unread_count
  from chat.conversations c
  join chat.members m on m.conversation_id = c.id
 where c.id = $1
   and m.user_id = $2
   and m.left_at is null;
