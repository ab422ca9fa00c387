-- seed_messages: appends $2 messages to each conversation of $1 (bigint[]), set-based. The
-- conversations' last_seq moves first (the row lock a send takes), then the messages get the
-- sequences after it, from members in turn, so the gap-free rule and the unread triggers hold as
-- for real sends. Returns one row: messages.
-- @not-null messages
with c as (
  update chat.conversations
     set last_seq = last_seq + $2::int, last_message_at = now()
   where id = any($1::bigint[])
  returning id, last_seq - $2::int as base
), senders as (
  select m.conversation_id, array_agg(m.user_id order by m.user_id) as ids
    from chat.members m
   where m.conversation_id = any($1::bigint[]) and m.left_at is null
   group by m.conversation_id
), ins as (
  insert into chat.messages (conversation_id, seq, sender_id, body)
  select c.id, c.base + i, s.ids[1 + (i % cardinality(s.ids))], 'seed message ' || (c.base + i)
    from c
    join senders s on s.conversation_id = c.id
   cross join generate_series(1, $2::int) i
   order by c.id, i
  returning 1
)
select count(*) as messages from ins;
