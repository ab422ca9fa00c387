-- update_project: rename and/or move to another team. $1 = org id, $2 = project id,
-- $3 = name (null: keep), $4 = team id (null: keep). Its tasks follow the move through the
-- on update cascade key. Returns allowed (false: the policies refused) and the row; no row: no such project.
-- 23503 projects_team_fkey: no such team in this org. 42501: the new team is not the caller's.
-- @not-null id, allowed
with target as (
  select p.id from saas.projects p where p.org_id = $1::bigint and p.id = $2::bigint
), updated as (
  update saas.projects p
     set name    = coalesce($3::text, p.name),
         team_id = coalesce($4::bigint, p.team_id)
   where p.org_id = $1::bigint and p.id = $2::bigint
  returning p.id, p.team_id, p.name, p.created_at
)
select x.id, (up.id is not null) as allowed, up.team_id, up.name, up.created_at
  from target x
  left join updated up on up.id = x.id
