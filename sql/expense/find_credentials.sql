-- The user with this e-mail (any case), with the hash to verify a password against.
-- $1 email. Returns 0 or 1 row.
select id, password_hash
  from expense.users
 where lower(email) = lower($1)
