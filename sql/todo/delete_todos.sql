-- deleteTodos: deletes every todo (Todo-Backend `DELETE /`). A plain delete, not truncate:
-- it is transactional with the caller, takes row locks only, and reports its count.
-- returns nothing; the affected count is the result
delete from todo.todos
