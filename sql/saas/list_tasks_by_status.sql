-- list_tasks_by_status: tasks of the org in one status, keyset by id (tasks_status_idx).
-- $1 = org id, $2 = status, $3 = after id (0: first page), $4 = limit.
-- status is text, not an enum: under RLS only a LEAKPROOF operator may become an index
-- condition, and texteq is leakproof where enum_eq is not. For the same reason the cursor is
-- `t.id > $3` and not `t.id > coalesce($3, 0)`: the planner treats COALESCE as leaky, so the
-- keyset bound would become a filter and page N would read every row of pages 1..N-1.
select t.id, t.project_id, t.team_id, t.title, t.status, t.assignee_id, t.created_at, t.updated_at
  from saas.tasks t
 where t.org_id = $1::bigint
   and t.status = $2::text
   and t.id     > $3::bigint
 order by t.id
 limit $4::int
