-- add_member: adds (or re-adds) a user to a group (chat.add_member: owners and admins; takes the
-- conversation row lock so the new member's unread count is exact).
-- $1 actor id, $2 conversation id, $3 user id, $4 role. Returns the member row.
-- CH001 actor not a member, CH002 not an admin, 23503 unknown user, 23514 direct conversation.
-- @not-null conversation_id, user_id, role, joined_at, last_read_seq, unread_count
select conversation_id, user_id, role, joined_at, left_at, last_read_seq, unread_count
  from chat.add_member($1::bigint, $2::bigint, $3::bigint, $4::text);
