-- unfollow_user: the viewer stops following the user; unfollowing a stranger is not an error.
-- $1 username (case-insensitive), $2 viewer user id (bigint).
-- Returns 0 rows (no such user) or 1 row: username, bio, image, following (false).
-- @not-null following
with target as (
  select id, username, bio, image
    from blog.users
   where lower(username) = lower($1::text)
),
deleted as (
  delete from blog.follows f
   using target t
   where f.follower_id = $2::bigint
     and f.followed_id = t.id
)
select t.username, t.bio, t.image, false as following
  from target t
