-- update_org: rename the org (owners only: the orgs_update policy). $1 = org id, $2 = name.
-- Returns the row, or nothing when the caller may not update it.
-- @not-null role
update saas.orgs o
   set name = $2::text
 where o.id = $1::bigint
returning o.id, o.name, (select saas.current_org_role()) as role, o.created_at
