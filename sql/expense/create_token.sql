-- Issues another access token to a user (after a password check).
-- $1 SHA-256 of the token, $2 user id, $3 lifetime in seconds. Returns the user id.
insert into expense.access_tokens (token_hash, user_id, expires_at)
values ($1, $2, now() + make_interval(secs => $3::integer))
returning user_id
