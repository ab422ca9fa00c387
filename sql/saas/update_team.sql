-- update_team: rename a team. $1 = org id, $2 = team id, $3 = name.
-- Returns allowed and the row (see update_member); no row: no such team.
-- @not-null id, allowed
with target as (
  select t.id from saas.teams t where t.org_id = $1::bigint and t.id = $2::bigint
), updated as (
  update saas.teams t
     set name = $3::text
   where t.org_id = $1::bigint and t.id = $2::bigint
  returning t.id, t.name, t.created_at
)
select x.id, (up.id is not null) as allowed, up.name, up.created_at
  from target x
  left join updated up on up.id = x.id
