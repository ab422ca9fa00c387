-- seed_groups: appends $1 groups of $2 members each, set-based: group k takes the $2 users
-- starting at user $3 + (k * $2) mod $4 (so members overlap when groups outnumber users / $2),
-- the first of them as owner. $3 first user id, $4 number of users. Returns the group ids.
-- The members trigger writes each join to membership_events (and NOTIFYs, unless chat.notify = off).
with g as (
  insert into chat.conversations (kind, name, created_by)
  select 'group', 'Seed group ' || k, $3::bigint
    from generate_series(0, $1::int - 1) k
  returning id
), numbered as (
  select id, row_number() over (order by id) - 1 as k from g
), m as (
  insert into chat.members (conversation_id, user_id, role)
  select n.id,
         $3::bigint + ((n.k * $2::int + j) % $4::int),
         case when j = 0 then 'owner' else 'member' end
    from numbered n, generate_series(0, $2::int - 1) j
   order by n.id, j
  returning conversation_id
)
select id from g order by id;
