-- signup: create a user and their first org with them as owner (invitations are accepted only
-- with their token: accept_invitation.sql).
-- $1 = email, $2 = name, $3 = scrypt password hash, $4 = org name.
-- Runs as saas_app with no context: saas.signup is SECURITY DEFINER because no policy can let a
-- user who belongs to no org create one. 23505 users_email_key when the email is taken.
-- @not-null user_id, email, name, org_id, org_name
select s.user_id   as user_id,
       $1::citext  as email,
       $2::text    as name,
       s.org_id    as org_id,
       $4::text    as org_name
  from saas.signup($1::citext, $2::text, $3::text, $4::text) s
