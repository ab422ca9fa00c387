-- remove_reaction: takes the caller's reaction back. $1 user id, $2 conversation id, $3 seq,
-- $4 emoji. Returns one row: allowed (a current member), removed (there was such a reaction).
-- @not-null allowed, removed
with me as (
  select 1 from chat.members
   where conversation_id = $2 and user_id = $1 and left_at is null
), del as (
  delete from chat.reactions
   where conversation_id = $2 and seq = $3 and user_id = $1 and emoji = $4
     and exists (select 1 from me)
  returning 1
)
select exists (select 1 from me)  as allowed,
       exists (select 1 from del) as removed;
