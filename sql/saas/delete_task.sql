-- delete_task: $1 = org id, $2 = task id. Returns allowed (false: the policies refused); no row: no such task.
-- @not-null id, allowed
with target as (
  select t.id from saas.tasks t where t.org_id = $1::bigint and t.id = $2::bigint
), removed as (
  delete from saas.tasks t
   where t.org_id = $1::bigint and t.id = $2::bigint
  returning t.id
)
select x.id, (r.id is not null) as allowed
  from target x
  left join removed r on r.id = x.id
