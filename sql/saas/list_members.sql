-- list_members: members of the org, keyset-paginated by user id.
-- $1 = org id, $2 = after user id (0: first page), $3 = limit.
select m.user_id, u.email, u.name, m.role, m.created_at
  from saas.memberships m
  join saas.users       u on u.id = m.user_id
 where m.org_id  = $1::bigint
   and m.user_id > $2::bigint
 order by m.user_id
 limit $3::int
