-- accept_invitation: the request user (saas.user_id; no org needed) joins the org of the
-- invitation whose token hashes to $1, with its role, and the invitation is used up.
-- $1 = sha256 of the token (bytea).
-- Returns one row: expired = false with the org (org_id, org_name, role, org_created_at) when
-- accepted; expired = true (the rest null) when the token is right but its invitation expired;
-- no row for a wrong or already used token. 23505 memberships_pkey when already a member (the
-- invitation then stays). saas.accept_invitation is SECURITY DEFINER: the invitee passes no
-- policy of an org they are not in yet. Single use, also under concurrent acceptances, is its
-- DELETE (see the function's comment in the migration).
-- @not-null expired
select a.org_id, a.org_name, a.role, a.org_created_at, a.expired
  from saas.accept_invitation($1::bytea) a
