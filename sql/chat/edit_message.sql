-- edit_message: changes a message's body (its sender only); the old body goes to message_events.
-- $1 user id, $2 conversation id, $3 seq, $4 new body. Returns the message row.
-- CH001 not a member, CH002 not the sender, CH003 no such (live) message.
-- @not-null conversation_id, seq, created_at
select conversation_id, seq, sender_id, body, created_at, edited_at, deleted_at
  from chat.edit_message($1::bigint, $2::bigint, $3::bigint, $4::text);
