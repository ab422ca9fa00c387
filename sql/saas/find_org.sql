-- find_org: the request org with the caller's role. $1 = org id. 0 or 1 row.
-- @not-null role
select o.id, o.name, (select saas.current_org_role()) as role, o.created_at
  from saas.orgs o
 where o.id = $1::bigint
