-- update_member: change a member's role. $1 = org id, $2 = user id, $3 = new role.
-- Returns one row per visible member: allowed (false when the policies refuse: an admin
-- touching an owner), and the new row. No row: no such member in this org.
-- Granting 'owner' as an admin fails the WITH CHECK (42501); demoting the last owner fails
-- memberships_one_owner (23514).
-- @not-null user_id, allowed, email, name
with target as (
  select m.user_id
    from saas.memberships m
   where m.org_id = $1::bigint and m.user_id = $2::bigint
), updated as (
  update saas.memberships m
     set role = $3::saas.org_role
   where m.org_id = $1::bigint and m.user_id = $2::bigint
  returning m.user_id, m.role, m.created_at
)
select t.user_id, (up.user_id is not null) as allowed, u.email, u.name,
       up.role, up.created_at
  from target t
  join saas.users   u  on u.id = t.user_id
  left join updated up on up.user_id = t.user_id
