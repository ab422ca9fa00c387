-- find_project: $1 = org id, $2 = project id. 0 or 1 row.
select p.id, p.team_id, p.name, p.created_at
  from saas.projects p
 where p.org_id = $1::bigint and p.id = $2::bigint
