-- update_task: $1 = org id, $2 = task id, $3 = title (null: keep), $4 = status (null: keep),
-- $5 = true to set the assignee, $6 = assignee id (null with $5: unassign).
-- Returns allowed (false: the policies refused) and the row; no row: no such task. Errors as create_task.
-- @not-null target_id, allowed
with target as (
  select t.id from saas.tasks t where t.org_id = $1::bigint and t.id = $2::bigint
), updated as (
  update saas.tasks t
     set title       = coalesce($3::text, t.title),
         status      = coalesce($4::text, t.status),
         assignee_id = case when $5::boolean then $6::bigint else t.assignee_id end,
         updated_at  = now()
   where t.org_id = $1::bigint and t.id = $2::bigint
  returning t.id, t.project_id, t.team_id, t.title, t.status, t.assignee_id, t.created_at, t.updated_at
)
select x.id as target_id, (up.id is not null) as allowed, up.*
  from target x
  left join updated up on up.id = x.id
