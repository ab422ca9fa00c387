-- seed_chunk: set-based bulk load of one chunk of orgs with everything in them (run as the
-- table owner, not saas_app: seeding is administration, not a request).
-- $1 = index of the chunk's first org (0-based), $2 = orgs in the chunk, $3 = users per org,
-- $4 = teams per org, $5 = projects per org, $6 = tasks per org, $7 = password hash for every
-- seeded user, $8..$12 = id bases (max id before seeding) of orgs, users, teams, projects, tasks.
-- Ids are computed (overriding system value) so every row knows its parents without a lookup;
-- the foreign keys are checked at the end of the statement, after every CTE has inserted.
-- Shape per org: user 1 owner, user 2 admin, the last user viewer, the rest members; user k in
-- team k mod T; project k in team k mod T; task k in project k mod P, 60% done, 20% doing,
-- 20% todo, assigned to a non-viewer or (every 10th) nobody.
with org_ix as (
  select s, $8::bigint + s + 1 as org_id
    from generate_series($1::bigint, $1::bigint + $2::int - 1) s
), orgs as (
  insert into saas.orgs (id, name) overriding system value
  select org_id, 'Seed org ' || (s + 1) from org_ix
), users as (
  insert into saas.users (id, email, name, password_hash) overriding system value
  select $9::bigint + o.s * $3::int + k,
         'seed-' || ($9::bigint + o.s * $3::int + k) || '@seed.example',
         'Seed user ' || k,
         $7::text
    from org_ix o, generate_series(1, $3::int) k
), memberships as (
  insert into saas.memberships (org_id, user_id, role)
  select o.org_id, $9::bigint + o.s * $3::int + k,
         case when k = 1 then 'owner' when k = 2 then 'admin'
              when k = $3::int then 'viewer' else 'member' end::saas.org_role
    from org_ix o, generate_series(1, $3::int) k
), teams as (
  insert into saas.teams (org_id, id, name) overriding system value
  select o.org_id, $10::bigint + o.s * $4::int + k, 'Team ' || k
    from org_ix o, generate_series(1, $4::int) k
), team_members as (
  insert into saas.team_members (org_id, team_id, user_id)
  select o.org_id, $10::bigint + o.s * $4::int + (k - 1) % $4::int + 1, $9::bigint + o.s * $3::int + k
    from org_ix o, generate_series(1, $3::int) k
), projects as (
  insert into saas.projects (org_id, id, team_id, name) overriding system value
  select o.org_id, $11::bigint + o.s * $5::int + k,
         $10::bigint + o.s * $4::int + (k - 1) % $4::int + 1, 'Project ' || k
    from org_ix o, generate_series(1, $5::int) k
)
insert into saas.tasks (org_id, id, team_id, project_id, title, status, assignee_id, created_at, updated_at)
overriding system value
select o.org_id,
       $12::bigint + o.s * $6::int + k,
       $10::bigint + o.s * $4::int + ((k - 1) % $5::int) % $4::int + 1,
       $11::bigint + o.s * $5::int + (k - 1) % $5::int + 1,
       'Task ' || k,
       case when k % 10 < 6 then 'done' when k % 10 < 8 then 'doing' else 'todo' end,
       case when k % 10 = 9 then null
            else $9::bigint + o.s * $3::int + (k * 7) % ($3::int - 1) + 1 end,
       now() - make_interval(mins => ($6::int - k)),
       now() - make_interval(mins => ($6::int - k))
  from org_ix o, generate_series(1, $6::int) k
