-- list_project_tasks: tasks of one project, keyset-paginated by id (tasks_project_idx).
-- $1 = org id, $2 = project id, $3 = after id (0: first page), $4 = limit.
select t.id, t.project_id, t.team_id, t.title, t.status, t.assignee_id, t.created_at, t.updated_at
  from saas.tasks t
 where t.org_id     = $1::bigint
   and t.project_id = $2::bigint
   and t.id > $3::bigint
 order by t.id
 limit $4::int
