-- create_team: $1 = org id, $2 = name. Admins and owners (42501 otherwise);
-- 23505 teams_org_id_name_key on a duplicate name. Returns the team.
insert into saas.teams (org_id, name)
values ($1::bigint, $2::text)
returning id, name, created_at
