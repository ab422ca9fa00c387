-- update_user: changes the fields present in the patch; absent keys keep their value, and
-- bio/image may be set to null explicitly (hence a jsonb patch rather than one parameter per
-- column, where "absent" and "null" would look alike).
-- $1 user id (bigint), $2 patch (jsonb) with any of: email, username, password_hash, bio, image.
-- Returns 0 or 1 row: id, email, username, bio, image. A taken email or username raises 23505.
update blog.users
   set email         = case when $2::jsonb ? 'email'         then $2::jsonb ->> 'email'         else email         end,
       username      = case when $2::jsonb ? 'username'      then $2::jsonb ->> 'username'      else username      end,
       password_hash = case when $2::jsonb ? 'password_hash' then $2::jsonb ->> 'password_hash' else password_hash end,
       bio           = case when $2::jsonb ? 'bio'           then $2::jsonb ->> 'bio'           else bio           end,
       image         = case when $2::jsonb ? 'image'         then $2::jsonb ->> 'image'         else image         end,
       updated_at    = now()
 where id = $1::bigint
returning id, email, username, bio, image
