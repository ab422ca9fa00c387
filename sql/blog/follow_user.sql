-- follow_user: the viewer follows the user; following twice is not an error.
-- $1 username to follow (case-insensitive), $2 viewer user id (bigint).
-- Returns 0 rows (no such user) or 1 row: username, bio, image, following (true).
-- Following oneself raises 23514 on follows_no_self_follow.
-- @not-null following
with target as (
  select id, username, bio, image
    from blog.users
   where lower(username) = lower($1::text)
),
inserted as (
  insert into blog.follows (follower_id, followed_id)
  select $2::bigint, t.id
    from target t
      on conflict on constraint follows_pkey do nothing
)
select t.username, t.bio, t.image, true as following
  from target t
