-- list_orgs: every org of the request user (needs saas.user_id only), with their role.
-- The orgs policy already restricts to my_org_ids(); the join adds the role.
-- @not-null role
select o.id, o.name, m.role, o.created_at
  from saas.orgs o
  join saas.my_memberships() m on m.org_id = o.id
 order by o.id
