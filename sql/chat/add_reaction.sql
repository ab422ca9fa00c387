-- add_reaction: the caller reacts to a live message with an emoji; reacting twice is a no-op
-- (reactions_pkey). The trigger NOTIFYs.
-- $1 user id, $2 conversation id, $3 seq, $4 emoji. Returns one row: allowed (the caller is a
-- current member), found (the live message exists), added (a new reaction was stored).
-- @not-null allowed, found, added
with me as (
  select 1 from chat.members
   where conversation_id = $2 and user_id = $1 and left_at is null
), msg as (
  select 1 from chat.messages
   where conversation_id = $2 and seq = $3 and deleted_at is null
), ins as (
  insert into chat.reactions (conversation_id, seq, user_id, emoji)
  select $2, $3, $1, $4
   where exists (select 1 from me) and exists (select 1 from msg)
  on conflict on constraint reactions_pkey do nothing
  returning 1
)
select exists (select 1 from me)  as allowed,
       exists (select 1 from msg) as found,
       exists (select 1 from ins) as added;
