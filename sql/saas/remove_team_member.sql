-- remove_team_member: $1 = org id, $2 = team id, $3 = user id.
-- Returns allowed (false: the policies refused); no row: no such team member.
-- @not-null user_id, allowed
with target as (
  select tm.user_id
    from saas.team_members tm
   where tm.org_id = $1::bigint and tm.team_id = $2::bigint and tm.user_id = $3::bigint
), removed as (
  delete from saas.team_members tm
   where tm.org_id = $1::bigint and tm.team_id = $2::bigint and tm.user_id = $3::bigint
  returning tm.user_id
)
select x.user_id, (r.user_id is not null) as allowed
  from target x
  left join removed r on r.user_id = x.user_id
