-- find_credentials: the id and password hash of an email, for login.
-- $1 email (lower-cased). Returns 0 or 1 row.
select id, password_hash
  from chat.users
 where email = $1;
