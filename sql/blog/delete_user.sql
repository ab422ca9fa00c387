-- delete_user: deletes the account and, through the foreign keys' ON DELETE CASCADE, its
-- articles (with their comments, favorites and tag links), its comments, its favorites and
-- every follow edge in either direction.
-- $1 user id (bigint).
-- Returns 0 or 1 row: id.
delete from blog.users
 where id = $1::bigint
returning id
