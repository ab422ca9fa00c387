-- list_invitations: invitations of the org, live and expired (admins and owners only; others
-- see none). Never the token: only its hash is stored, and it is not selected either.
-- $1 = org id, $2 = after id (0: first page), $3 = limit.
select i.id, i.email, i.role, i.invited_by, i.created_at, i.expires_at
  from saas.invitations i
 where i.org_id = $1::bigint
   and i.id     > $2::bigint
 order by i.id
 limit $3::int
