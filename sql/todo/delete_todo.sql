-- deleteTodo: deletes one todo.
-- $1 id bigint, $2 expected version integer (null: any version)
-- returns the deleted row, or none when the id is unknown or the version is stale
delete from todo.todos
 where id = $1::bigint
   and ($2::integer is null or version = $2::integer)
returning *
