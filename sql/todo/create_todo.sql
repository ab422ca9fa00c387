-- createTodo: inserts one todo, title trimmed.
-- $1 title text, $2 completed boolean (null -> false), $3 order integer (nullable)
-- returns the new row
insert into todo.todos (title, completed, "order")
values (btrim($1::text), coalesce($2::boolean, false), $3::integer)
returning *
