-- delete_message: deletes a message (its sender, or a group owner/admin): body cleared and kept in
-- message_events, the sequence keeps no gap, unread counts drop for whoever had it unread.
-- $1 user id, $2 conversation id, $3 seq. Returns the message row.
-- CH001 not a member, CH002 not allowed, CH003 no such (live) message.
-- @not-null conversation_id, seq, created_at, deleted_at
select conversation_id, seq, sender_id, body, created_at, edited_at, deleted_at
  from chat.delete_message($1::bigint, $2::bigint, $3::bigint);
