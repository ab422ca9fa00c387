-- create_project: $1 = org id, $2 = team id, $3 = name.
-- No row: no such team (another org's team included). 42501: a member outside that team,
-- or a viewer.
insert into saas.projects (org_id, team_id, name)
select t.org_id, t.id, $3::text
  from saas.teams t
 where t.org_id = $1::bigint and t.id = $2::bigint
returning id, team_id, name, created_at
