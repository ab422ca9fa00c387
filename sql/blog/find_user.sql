-- find_user: the current user.
-- $1 user id (bigint).
-- Returns 0 or 1 row: id, email, username, bio, image, token_version. The HTTP adapter loads
-- the token's user with this statement and compares token_version with the token's claim, so
-- checking that a token is still valid costs no round trip beyond the lookup itself.
select id, email, username, bio, image, token_version
  from blog.users
 where id = $1::bigint
