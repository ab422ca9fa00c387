-- find_task: $1 = org id, $2 = task id. 0 or 1 row.
select t.id, t.project_id, t.team_id, t.title, t.status, t.assignee_id, t.created_at, t.updated_at
  from saas.tasks t
 where t.org_id = $1::bigint and t.id = $2::bigint
