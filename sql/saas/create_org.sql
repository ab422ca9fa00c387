-- create_org: create an org owned by the request user. $1 = name.
-- Returns id, name, role, created_at. saas.create_org is SECURITY DEFINER: the new org has no
-- member yet, so no policy could admit the insert.
-- @not-null id, name, role, created_at
select c.id, c.name, 'owner'::saas.org_role as role, c.created_at
  from saas.create_org($1::text) c
