-- remove_member: leaves a group ($1 = $3) or removes a member (owners and admins).
-- $1 actor id, $2 conversation id, $3 user id. Returns the member row, left_at set.
-- CH001 actor or user not a member, CH002 not an admin, 23514 direct conversation.
-- @not-null conversation_id, user_id, role, joined_at, left_at, last_read_seq, unread_count
select conversation_id, user_id, role, joined_at, left_at, last_read_seq, unread_count
  from chat.remove_member($1::bigint, $2::bigint, $3::bigint);
