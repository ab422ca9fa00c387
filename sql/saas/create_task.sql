-- create_task: $1 = org id, $2 = project id, $3 = title, $4 = status (null: 'todo'),
-- $5 = assignee id (null: none). team_id is copied from the project.
-- No row: no such project. 23503 tasks_assignee_fkey: the assignee is not a member of this
-- org. 23514 tasks_status_check. 42501: a member outside the project's team, or a viewer.
insert into saas.tasks as t (org_id, team_id, project_id, title, status, assignee_id)
select p.org_id, p.team_id, p.id, $3::text, coalesce($4::text, 'todo'), $5::bigint
  from saas.projects p
 where p.org_id = $1::bigint and p.id = $2::bigint
returning t.id, t.project_id, t.team_id, t.title, t.status, t.assignee_id, t.created_at, t.updated_at
