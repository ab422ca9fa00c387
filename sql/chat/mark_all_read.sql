-- mark_all_read: every conversation of the user read, one UPDATE of their member rows:
-- O(conversations), never O(messages). $1 user id. Returns one row: changed (conversations).
-- @not-null changed
select chat.mark_all_read($1::bigint) as changed;
