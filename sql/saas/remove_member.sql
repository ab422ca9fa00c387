-- remove_member: remove a member (admins: non-owners; owners: anyone; anyone: themselves).
-- $1 = org id, $2 = user id. Returns allowed as in update_member; no row: no such member.
-- Their team memberships go by cascade; their tasks become unassigned (on delete set null).
-- Removing the last owner fails memberships_one_owner (23514).
-- @not-null user_id, allowed
with target as (
  select m.user_id
    from saas.memberships m
   where m.org_id = $1::bigint and m.user_id = $2::bigint
), removed as (
  delete from saas.memberships m
   where m.org_id = $1::bigint and m.user_id = $2::bigint
  returning m.user_id
)
select t.user_id, (r.user_id is not null) as allowed
  from target t
  left join removed r on r.user_id = t.user_id
