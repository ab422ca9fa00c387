-- find_user: one user by id. $1 user id. Returns 0 or 1 row: id, email, name, created_at.
select id, email, name, created_at
  from chat.users
 where id = $1;
