-- rehash_password: replaces a password hash by a hash of the same password made with other
-- scrypt parameters (at login). Not a credential change: token_version stays.
-- $1 user id (bigint), $2 new hash, $3 the hash it replaces (compare-and-set: a password changed
-- meanwhile is not overwritten with a hash of the old one).
-- Returns 0 or 1 row: id.
update blog.users
   set password_hash = $2::text
 where id = $1::bigint
   and password_hash = $3::text
returning id
