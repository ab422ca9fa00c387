-- update_user: changes the fields present in the patch; absent keys keep their value, and
-- bio/image may be set to null explicitly (hence a jsonb patch rather than one parameter per
-- column, where "absent" and "null" would look alike).
-- $1 user id (bigint), $2 patch (jsonb) with any of: email, username, password_hash, bio, image,
-- $3 the token_version the caller's token carries (int), or null to skip that check.
-- Returns 0 or 1 row: id, email, username, bio, image, token_version. No row: no such user, or
-- $3 is not its current version (a token revoked by an earlier change).
-- A new password, or an e-mail that differs other than in case, bumps token_version in this same
-- UPDATE: every token issued before stops working, and the caller gets a new one carrying the
-- returned version. (On the right of SET, `email` is the old value.) Front ends send the whole
-- settings form, e-mail included, so an unchanged e-mail must not count as a change.
-- A taken email or username raises 23505.
update blog.users
   set email         = case when $2::jsonb ? 'email'         then $2::jsonb ->> 'email'         else email         end,
       username      = case when $2::jsonb ? 'username'      then $2::jsonb ->> 'username'      else username      end,
       password_hash = case when $2::jsonb ? 'password_hash' then $2::jsonb ->> 'password_hash' else password_hash end,
       bio           = case when $2::jsonb ? 'bio'           then $2::jsonb ->> 'bio'           else bio           end,
       image         = case when $2::jsonb ? 'image'         then $2::jsonb ->> 'image'         else image         end,
       token_version = token_version
                     + case when $2::jsonb ? 'password_hash'
                              or ($2::jsonb ? 'email' and lower($2::jsonb ->> 'email') <> lower(email))
                            then 1 else 0 end,
       updated_at    = now()
 where id = $1::bigint
   and ($3::int is null or token_version = $3::int)
returning id, email, username, bio, image, token_version
