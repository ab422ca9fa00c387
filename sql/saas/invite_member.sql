-- invite_member: invite an e-mail into the org with a role (admins; only owners offer 'owner').
-- $1 = org id, $2 = email, $3 = role, $4 = sha256 of the invitation token (bytea, 32 bytes; the
-- token itself never reaches the database), $5 = lifetime in seconds.
-- Returns the invitation (id, email, role, invited_by, created_at, expires_at), or no row when
-- that e-mail already belongs to a member of the org (the library answers memberships_pkey).
-- Nobody joins by e-mail: whoever presents the token (accept_invitation.sql) becomes the member.
-- An expired invitation for the same e-mail gives way to the new one: the `stale` delete runs
-- first because the insert's WHERE reads it (an InitPlan, evaluated before any row is inserted),
-- and a row this transaction deleted no longer conflicts. A live one raises 23505
-- invitations_org_id_email_key. The policies decide whether the role may be offered (42501).
-- A member's e-mail is visible to an admin through the users policy, so the `not exists` is no
-- probe beyond what listing members shows.
-- @not-null id, email, role, created_at, expires_at
with stale as (
  delete from saas.invitations i
   where i.org_id = $1::bigint
     and i.email  = $2::citext
     and i.expires_at <= now()
  returning i.id
)
insert into saas.invitations (org_id, email, role, invited_by, token_hash, expires_at)
select $1::bigint, $2::citext, $3::saas.org_role, saas.current_user_id(), $4::bytea,
       now() + make_interval(secs => $5::int)
 where (select count(*) from stale) >= 0
   and not exists (select 1
                     from saas.memberships m
                     join saas.users u on u.id = m.user_id
                    where m.org_id = $1::bigint
                      and u.email  = $2::citext)
returning id, email, role, invited_by, created_at, expires_at
