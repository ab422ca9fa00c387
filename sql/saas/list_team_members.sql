-- list_team_members: members of a team. $1 = org id, $2 = team id, $3 = after user id (0: first page), $4 = limit.
select tm.user_id, u.email, u.name, tm.created_at
  from saas.team_members tm
  join saas.users        u on u.id = tm.user_id
 where tm.org_id  = $1::bigint
   and tm.team_id = $2::bigint
   and tm.user_id > $3::bigint
 order by tm.user_id
 limit $4::int
