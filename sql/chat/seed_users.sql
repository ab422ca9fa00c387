-- seed_users: appends $1 demo users, set-based, named seed-<id>@chat.example, all with the
-- password hash $2 (one scrypt hash computed by the caller). Returns one row: first_id, last_id.
-- @not-null first_id, last_id
with ins as (
  insert into chat.users (email, name, password_hash)
  select 'seed-' || gen_random_uuid() || '@chat.example', 'Seed user ' || i, $2::text
    from generate_series(1, $1::int) i
  returning id
)
select min(id) as first_id, max(id) as last_id from ins;
