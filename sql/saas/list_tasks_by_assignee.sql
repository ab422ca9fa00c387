-- list_tasks_by_assignee: tasks of one assignee, optionally in one status, keyset by id
-- (tasks_assignee_idx; an assignee's tasks are few, so the status is a plain filter).
-- $1 = org id, $2 = assignee id, $3 = status (null: any), $4 = after id (0: first page), $5 = limit.
select t.id, t.project_id, t.team_id, t.title, t.status, t.assignee_id, t.created_at, t.updated_at
  from saas.tasks t
 where t.org_id      = $1::bigint
   and t.assignee_id = $2::bigint
   and ($3::text is null or t.status = $3::text)
   and t.id          > $4::bigint
 order by t.id
 limit $5::int
