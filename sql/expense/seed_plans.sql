-- seed_plans: set-based bulk load of one chunk of seed users with a plan each (run by
-- `npm run seed:expense` and the benchmark as the table owner: seeding is administration).
-- $1 index of the chunk's first user (0-based), $2 users in the chunk, $3 password hash for every
-- seeded user, $4 the run's salt. Ids are md5(salt, kind, index) as uuids, so later statements of
-- the chunk find every parent without a lookup and two seed runs never collide.
-- Returns the number of users.
-- @not-null users
with u as (
  select k, md5($4 || ':u:' || k)::uuid as user_id, md5($4 || ':p:' || k)::uuid as plan_id
    from generate_series($1::int, $1::int + $2::int - 1) k
), users as (
  insert into expense.users (id, email, password_hash)
  select user_id, 'seed-' || $4 || '-' || k || '@seed.example', $3 from u
)
insert into expense.plans (id, user_id, name, currency_iso_code, time_zone)
select plan_id, user_id, 'Seed plan ' || k, 'USD', 'America/New_York' from u
returning (select count(*) from u) as users
