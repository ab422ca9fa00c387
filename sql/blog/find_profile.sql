-- find_profile: a user's public profile as seen by the viewer.
-- $1 username (case-insensitive), $2 viewer user id (bigint, null when anonymous).
-- Returns 0 or 1 row: username, bio, image, following.
-- @not-null following
select u.username,
       u.bio,
       u.image,
       exists (select 1
                 from blog.follows f
                where f.follower_id = $2::bigint
                  and f.followed_id = u.id) as following
  from blog.users u
 where lower(u.username) = lower($1::text)
