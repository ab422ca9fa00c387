-- list_tasks: tasks of the org, newest id last, keyset-paginated by id (tasks_pkey).
-- $1 = org id, $2 = after id (0: first page), $3 = limit.
-- listTasks picks this file, list_tasks_by_status or list_tasks_by_assignee from the filters
-- given: one static statement per index keeps the cached generic plan right, where a single
-- "($2 is null or status = $2)" statement gets one plan for every filter combination.
select t.id, t.project_id, t.team_id, t.title, t.status, t.assignee_id, t.created_at, t.updated_at
  from saas.tasks t
 where t.org_id = $1::bigint
   and t.id     > $2::bigint
 order by t.id
 limit $3::int
