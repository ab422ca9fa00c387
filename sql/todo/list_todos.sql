-- listTodos: a keyset page of todos in id order, optionally only (not) completed ones.
-- $1 completed boolean (null: all), $2 after id bigint (null: from the start), $3 limit integer
-- returns up to $3 rows; served by todos_pkey (no filter) or todos_completed_id_idx (filter)
select *
  from todo.todos
 where ($1::boolean is null or completed = $1::boolean)
   and ($2::bigint  is null or id > $2::bigint)
 order by id
 limit $3::integer
