-- list_my_tasks: the request user's open tasks (status <> 'done') in the org, keyset by id.
-- $1 = org id, $2 = after id (0: first page), $3 = limit. Uses tasks_assignee_idx (org_id, assignee_id, id).
select t.id, t.project_id, t.team_id, t.title, t.status, t.assignee_id, t.created_at, t.updated_at
  from saas.tasks t
 where t.org_id      = $1::bigint
   and t.assignee_id = (select saas.current_user_id())
   and t.status     <> 'done'
   and t.id > $2::bigint
 order by t.id
 limit $3::int
