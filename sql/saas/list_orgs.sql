-- list_orgs: the request user's orgs (needs saas.user_id only), with their role, keyset-paginated.
-- $1 = after id (0: first page), $2 = limit.
-- The orgs policy already restricts to my_org_ids(); the join adds the role.
-- @not-null role
select o.id, o.name, m.role, o.created_at
  from saas.orgs o
  join saas.my_memberships() m on m.org_id = o.id
 where o.id > $1::bigint
 order by o.id
 limit $2::int
