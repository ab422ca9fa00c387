-- find_team: one team. $1 = org id, $2 = team id. 0 or 1 row.
select t.id, t.name, t.created_at
  from saas.teams t
 where t.org_id = $1::bigint and t.id = $2::bigint
