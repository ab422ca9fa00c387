-- Signs a user up and issues their first access token, in one statement.
-- $1 email, $2 password hash (scrypt, PHC string), $3 SHA-256 of the token, $4 token lifetime in seconds.
-- Returns the user's id. users_email_key refuses a taken e-mail (any case).
with u as (
  insert into expense.users (email, password_hash)
  values ($1, $2)
  returning id
)
insert into expense.access_tokens (token_hash, user_id, expires_at)
select $3, u.id, now() + make_interval(secs => $4::integer)
  from u
returning user_id as id
