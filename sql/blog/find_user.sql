-- find_user: the current user.
-- $1 user id (bigint).
-- Returns 0 or 1 row: id, email, username, bio, image.
select id, email, username, bio, image
  from blog.users
 where id = $1::bigint
