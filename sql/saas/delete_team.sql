-- delete_team: delete a team with its projects and tasks (cascade). $1 = org id, $2 = team id.
-- Returns allowed (false: the policies refused); no row: no such team.
-- @not-null id, allowed
with target as (
  select t.id from saas.teams t where t.org_id = $1::bigint and t.id = $2::bigint
), removed as (
  delete from saas.teams t
   where t.org_id = $1::bigint and t.id = $2::bigint
  returning t.id
)
select x.id, (r.id is not null) as allowed
  from target x
  left join removed r on r.id = x.id
