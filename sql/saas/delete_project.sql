-- delete_project: delete a project and its tasks. $1 = org id, $2 = project id.
-- Returns allowed (false: the policies refused); no row: no such project.
-- @not-null id, allowed
with target as (
  select p.id from saas.projects p where p.org_id = $1::bigint and p.id = $2::bigint
), removed as (
  delete from saas.projects p
   where p.org_id = $1::bigint and p.id = $2::bigint
  returning p.id
)
select x.id, (r.id is not null) as allowed
  from target x
  left join removed r on r.id = x.id
