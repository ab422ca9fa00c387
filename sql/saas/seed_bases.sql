-- seed_bases: the current maximum id of each table seed_chunk numbers from (0 when empty).
-- Returns one row: o (orgs), u (users), t (teams), p (projects), k (tasks).
-- @not-null o, u, t, p, k
select (select coalesce(max(id), 0) from saas.orgs)     as o,
       (select coalesce(max(id), 0) from saas.users)    as u,
       (select coalesce(max(id), 0) from saas.teams)    as t,
       (select coalesce(max(id), 0) from saas.projects) as p,
       (select coalesce(max(id), 0) from saas.tasks)    as k
