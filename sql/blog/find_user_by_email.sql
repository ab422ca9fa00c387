-- find_user_by_email: the account to log in with, including its password hash.
-- $1 email, compared case-insensitively (served by users_email_key on lower(email)).
-- Returns 0 or 1 row: id, email, username, bio, image, token_version, password_hash.
select id, email, username, bio, image, token_version, password_hash
  from blog.users
 where lower(email) = lower($1::text)
