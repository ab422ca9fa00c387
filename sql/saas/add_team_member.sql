-- add_team_member: put an org member in a team. $1 = org id, $2 = team id, $3 = user id.
-- No row: no such team. 23503 team_members_member_fkey: the user is not a member of this org
-- (a user of another org included). 23505 team_members_pkey: already in the team.
-- 42501: the caller is not an admin.
insert into saas.team_members (org_id, team_id, user_id)
select t.org_id, t.id, $3::bigint
  from saas.teams t
 where t.org_id = $1::bigint and t.id = $2::bigint
returning user_id, created_at
