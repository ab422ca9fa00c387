-- delete_invitation: withdraw an invitation (admins and owners). $1 = org id, $2 = invitation id.
-- Returns the deleted id, or nothing.
delete from saas.invitations i
 where i.org_id = $1::bigint and i.id = $2::bigint
returning i.id
