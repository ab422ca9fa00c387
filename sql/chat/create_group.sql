-- create_group: a named group owned by the caller, with the given members.
-- $1 owner id, $2 name, $3 member ids (bigint[]). Returns one row: id.
-- 23503 members_user_id_fkey for an unknown member; 23514 conversations_name_length.
-- @not-null id
select chat.create_group($1::bigint, $2::text, $3::bigint[]) as id;
