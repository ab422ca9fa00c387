--! Previous: sha1:5399acf2e2b233a4d748cd628b23fb158fa7fec1
--! Hash: sha1:0b92a7f6438217764eae269238fa7c8ad9bf23d7
--! Message: queue: keyed adds survive a claim mid-statement

-- queue.add_jobs: a keyed add no longer drops its job when a worker claims the waiting job of that
-- key in the middle of the statement.
--
-- The function first takes the key from running jobs, then upserts. A worker that claims the
-- waiting job between those two steps makes the upsert skip it (it replaces waiting jobs only), and
-- the new job was lost: queue.add_job called from another project's transaction returned nothing.
-- Now the keys the upsert skipped go round again: the next round finds that job running and hands
-- its key to the new one. A key still skipped after five rounds raises 40001, so a caller's retry
-- (pg-grind's transaction()) runs the whole transaction again.
create or replace function queue.add_jobs(specs jsonb)
  returns setof queue.jobs
  language plpgsql
  volatile
as $$
declare
  idle_worker text;
  todo        jsonb := specs;
  got         queue.jobs[];
  added       queue.jobs[] := '{}';
begin
  if not exists (select 1 from jsonb_array_elements(specs) s(v) where s.v ? 'key') then
    -- No keys (bulk adds, most single adds): a plain insert, none of the key handling below.
    return query
    insert into queue.jobs as j (task, payload, queue, priority, run_at, max_attempts)
    select s.v->>'task',
           coalesce(s.v->'payload', '{}'::jsonb),
           coalesce(s.v->>'queue', 'default'),
           coalesce((s.v->>'priority')::integer, 0),
           coalesce((s.v->>'runAt')::timestamptz, now()),
           coalesce((s.v->>'maxAttempts')::integer, 25)
      from jsonb_array_elements(specs) with ordinality s(v, n)
     order by s.n
    returning j.*;
  else
    for attempt in 1..5 loop
      -- Running jobs lose their key to the new job, so the upsert below can take it.
      update queue.jobs j
         set key = null
        from jsonb_array_elements(todo) s(v)
       where j.key = s.v->>'key'
         and j.locked_by is not null;

      with spec as (
        -- one row per key (the last one wins), so ON CONFLICT never meets the same key twice
        select distinct on (coalesce(s.v->>'key', '#' || s.n))
               s.n,
               s.v->>'task'                                    as task,
               coalesce(s.v->'payload', '{}'::jsonb)           as payload,
               coalesce(s.v->>'queue', 'default')              as queue,
               coalesce((s.v->>'priority')::integer, 0)        as priority,
               coalesce((s.v->>'runAt')::timestamptz, now())   as run_at,
               coalesce((s.v->>'maxAttempts')::integer, 25)    as max_attempts,
               s.v->>'key'                                     as key,
               coalesce(s.v->>'keyMode', 'replace') = 'preserve' as preserve
          from jsonb_array_elements(todo) with ordinality s(v, n)
         order by coalesce(s.v->>'key', '#' || s.n), s.n desc
      ),
      keep as (
        -- keyMode 'preserve': a waiting job with the key stays as it is
        select j.* from queue.jobs j join spec on spec.key = j.key and spec.preserve
      ),
      ins as (
        insert into queue.jobs as j (task, payload, queue, priority, run_at, max_attempts, key)
        select task, payload, queue, priority, run_at, max_attempts, key
          from spec
         where not exists (select 1 from keep where keep.key = spec.key)
         order by n
        on conflict (key) where key is not null do update
           set task         = excluded.task,
               payload      = excluded.payload,
               queue        = excluded.queue,
               priority     = excluded.priority,
               run_at       = excluded.run_at,
               max_attempts = excluded.max_attempts,
               attempts     = 0,
               last_error   = null
         where j.locked_by is null   -- a job claimed since the update above is skipped here
        returning j.*
      )
      select coalesce(array_agg(r::queue.jobs), '{}')
        into got
        from (select * from ins union all select * from keep) r;
      added := added || got;

      -- The keys skipped above (their job was claimed meanwhile) go round again.
      select jsonb_agg(s.v order by s.n)
        into todo
        from jsonb_array_elements(todo) with ordinality s(v, n)
       where s.v->>'key' is not null
         and not exists (select 1 from unnest(got) g where g.key = s.v->>'key');
      exit when todo is null;
      if attempt = 5 then
        raise exception 'queue: could not add the job with key %: its waiting job kept being claimed', todo->0->>'key'
          using errcode = '40001';
      end if;
    end loop;
    return query select * from unnest(added);
  end if;

  -- Wake-up. NOTIFY takes a global lock at commit, so only the producer that finds an idle
  -- worker pays it: it takes that worker's idle flag (SKIP LOCKED: concurrent producers never wait
  -- on each other here) and sends it the worker's id. While every worker is busy, nobody notifies.
  select x.id into idle_worker
    from queue.workers x
   where x.idle
   limit 1
     for update skip locked;
  if found then
    update queue.workers set idle = false where id = idle_worker;
    perform pg_notify('queue_jobs', idle_worker);
  end if;
end;
$$;
