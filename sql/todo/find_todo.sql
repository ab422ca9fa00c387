-- findTodo: one todo by id.
-- $1 id bigint
-- returns 0 or 1 row
select *
  from todo.todos
 where id = $1::bigint
