-- fire_schedules: add one job per (schedule, tick) pair not fired before, and record the tick.
-- $1 schedule names (text[]), $2 ticks (timestamptz[], same order)
-- Returns locked (false when another scheduler holds the lock: nothing done, try again later) and
-- the (schedule, tick, job_id) triples fired by this call.
-- Isolation: READ COMMITTED. The transaction-level advisory lock lets one scheduler work at a time;
-- exactly once per tick does not rest on it but on the primary key of schedule_ticks: a tick
-- already there (even one another scheduler inserted and has not committed) makes ON CONFLICT skip it.
-- The job id is taken from the jobs sequence first so the tick row can point to its job.
-- @not-null locked, fired
with lock as (
  select pg_try_advisory_xact_lock(hashtext('queue.schedules')) as locked
),
due as (
  select d.schedule, d.tick, s.task, s.payload, s.queue, s.priority, s.max_attempts
    from unnest($1::text[], $2::timestamptz[]) as d(schedule, tick)
    join queue.schedules s on s.name = d.schedule
   where (select locked from lock)
),
fired as (
  insert into queue.schedule_ticks (schedule, tick, job_id)
  select schedule, tick, nextval(pg_get_serial_sequence('queue.jobs', 'id'))
    from due
  on conflict on constraint schedule_ticks_pkey do nothing
  returning schedule, tick, job_id
),
added as (
  insert into queue.jobs (id, task, payload, queue, priority, max_attempts, run_at)
  select f.job_id, d.task, d.payload, d.queue, d.priority, d.max_attempts, f.tick
    from fired f
    join due d on d.schedule = f.schedule and d.tick = f.tick
  returning id
)
select (select locked from lock) as locked,
       coalesce((select jsonb_agg(jsonb_build_object('schedule', f.schedule, 'tick', f.tick, 'jobId', f.job_id))
                   from fired f), '[]'::jsonb) as fired
