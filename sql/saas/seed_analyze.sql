-- seed_analyze: fresh planner statistics after a bulk load, so the list queries are planned on
-- the real distribution (autovacuum would get there, later).
analyze saas.orgs, saas.users, saas.memberships, saas.teams, saas.team_members, saas.projects, saas.tasks
