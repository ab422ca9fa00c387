-- list_members: the current members of a conversation with their read receipts (last_read_seq:
-- one row per member, not one per message per reader).
-- $1 conversation id. Returns user_id, name, role, joined_at, last_read_seq.
-- The caller checks membership first (find_conversation).
select m.user_id,
       u.name,
       m.role,
       m.joined_at,
       m.last_read_seq
  from chat.members m
  join chat.users u on u.id = m.user_id
 where m.conversation_id = $1
   and m.left_at is null
 order by m.user_id;
