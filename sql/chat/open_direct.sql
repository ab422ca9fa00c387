-- open_direct: the direct conversation of two users, created the first time (chat.open_direct
-- explains how two concurrent first opens meet on conversations_direct_pair_key).
-- $1 the caller, $2 the other user. Returns one row: conversation_id, created.
-- 23503 members_user_id_fkey when the other user does not exist; 23514 for oneself.
-- @not-null conversation_id, created
select conversation_id, created
  from chat.open_direct($1::bigint, $2::bigint);
