-- add_member: add an existing user by email with a role, or invite an unknown email.
-- $1 = org id, $2 = email, $3 = role.
-- Returns one row: kind ('member' | 'invitation'), user_id or invitation id, email, role.
-- user_id_by_email answers only to admins and owners, so nobody else can probe for accounts;
-- the policies decide whether the role may be granted (42501 otherwise). 23505
-- memberships_pkey / invitations_org_id_email_key when already a member / already invited.
-- @not-null kind, email, role, created_at
with target as (
  select saas.user_id_by_email($2::citext) as user_id
), member as (
  insert into saas.memberships (org_id, user_id, role)
  select $1::bigint, t.user_id, $3::saas.org_role
    from target t
   where t.user_id is not null
  returning user_id, role, created_at
), invitation as (
  insert into saas.invitations (org_id, email, role, invited_by)
  select $1::bigint, $2::citext, $3::saas.org_role, saas.current_user_id()
    from target t
   where t.user_id is null
  returning id, email, role, created_at
)
select 'member' as kind, m.user_id, null::bigint as invitation_id, $2::citext as email,
       m.role, m.created_at
  from member m
 union all
select 'invitation', null, i.id, i.email, i.role, i.created_at
  from invitation i
