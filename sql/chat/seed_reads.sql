-- seed_reads: moves each member of the conversations $1 (bigint[]) to a random read receipt, so the
-- inbox has a spread of unread counts (the members trigger recounts each). Returns one row: members.
-- @not-null members
with upd as (
  update chat.members m
     set last_read_seq = floor(random() * (c.last_seq + 1))::bigint
    from chat.conversations c
   where c.id = m.conversation_id and m.conversation_id = any($1::bigint[]) and m.left_at is null
  returning 1
)
select count(*) as members from upd;
