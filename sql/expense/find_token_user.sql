-- The user a bearer token speaks for, if the token is known and not expired.
-- $1 SHA-256 of the token. Returns 0 or 1 row (the primary key lookup).
select user_id
  from expense.access_tokens
 where token_hash = $1
   and expires_at > now()
