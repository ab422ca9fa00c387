-- delete_org: delete the org and, by cascade, everything in it (owners only). $1 = org id.
-- Returns the deleted id, or nothing when the caller may not delete it.
delete from saas.orgs o
 where o.id = $1::bigint
returning o.id
