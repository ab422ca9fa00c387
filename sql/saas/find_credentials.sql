-- find_credentials: login lookup, the only path to password_hash (SECURITY DEFINER).
-- $1 = email. Returns id, password_hash, or no row.
-- @not-null id, password_hash
select c.id, c.password_hash
  from saas.find_credentials($1::citext) c
