-- updateTodo: applies a partial update; trigger todos_touch bumps version and updated_at.
-- $1 id bigint, $2 title text (null: keep), $3 completed boolean (null: keep),
-- $4 order integer, $5 boolean: whether $4 was given (order may be set to null),
-- $6 expected version integer (null: any version)
-- returns the updated row, or none when the id is unknown or the version is stale
update todo.todos
   set title     = coalesce(btrim($2::text), title),
       completed = coalesce($3::boolean, completed),
       "order"   = case when $5::boolean then $4::integer else "order" end
 where id = $1::bigint
   and ($6::integer is null or version = $6::integer)
returning *
