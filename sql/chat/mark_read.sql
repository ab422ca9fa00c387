-- mark_read: moves the caller's read receipt forward to $3 (clamped to the newest message); the
-- members trigger recounts the unread messages after it. One row, whatever the backlog.
-- $1 user id, $2 conversation id, $3 seq. Returns last_read_seq, unread_count. CH001 not a member.
-- @not-null last_read_seq, unread_count
select last_read_seq, unread_count
  from chat.mark_read($1::bigint, $2::bigint, $3::bigint);
