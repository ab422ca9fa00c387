-- send_message: sends a message with the next gap-free sequence (chat.send_message: the
-- conversation row lock orders senders; the trigger updates unread counts and NOTIFYs).
-- $1 sender id, $2 conversation id, $3 body, $4 attachments (jsonb array of
-- {filename, contentType, sizeBytes, url}), $5 notify in this transaction (false: the caller batches).
-- Returns the message row. CH001 not a member; 23514 messages_body_length, attachments_*.
-- @not-null conversation_id, seq, created_at
select conversation_id, seq, sender_id, body, created_at, edited_at, deleted_at
  from chat.send_message($1::bigint, $2::bigint, $3::text, $4::jsonb, $5::boolean);
