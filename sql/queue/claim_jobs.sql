-- claim_jobs: lease up to $2 ready jobs to worker $1 for $3 seconds, smallest priority first, then
-- oldest run_at. Jobs of queues with a concurrency limit (rows of queue.queues) are claimed only
-- while their queue has free slots, and each such claim takes a slot (queues.running).
-- $1 worker id (text), $2 batch size (int), $3 lease seconds (float8), $4 idle below (int, null =
-- leave the worker's flag alone): the worker waits for a NOTIFY (queue.workers.idle) when it got
-- fewer than $4 jobs, its free handler slots. The flag is written only when it changes, so a claim
-- that changes nothing never holds the workers row that producers look at.
-- Returns the claimed jobs (id, queue, task, payload, priority, run_at, attempts, max_attempts,
-- created_at, holds_slot, interrupted).
-- Attempts: the claim does not count one. A batch holds up to batch + concurrency jobs, most of them
-- waiting in the worker's buffer; counting them here charged every one of them when the worker
-- died (a SIGKILL failed maxAttempts 1 jobs whose handler never started). The worker counts the
-- attempt when the handler starts instead, in the statement that records results (complete_jobs,
-- fail_jobs), so the drain runs no extra statement. `attempts` is the count before this run.
-- `interrupted`: the job's last lease expired (rescue_jobs), so its last run may have killed its
-- worker before that run was counted; the worker waits for this run to be counted before starting
-- its handler, so a job that crashes every worker still runs out of attempts.
-- @not-null interrupted
-- Isolation: READ COMMITTED. SKIP LOCKED lets concurrent claimers take disjoint rows without waiting;
-- re-checking locked_until after the lock (READ COMMITTED re-reads the latest row version) stops two
-- claimers taking one job. A limited queue's row is locked FOR UPDATE SKIP LOCKED: at most one claimer
-- per queue at a time, and the row version it reads is the latest committed one, so `running` is exact.
with free as (
  select q.name, q.concurrency - q.running as slots
    from queue.queues q
   where q.concurrency is not null
     and q.running < q.concurrency
     for update skip locked
),
limited as (
  select l.id
    from free f
   cross join lateral (
           select j.id
             from queue.jobs j
            where j.queue = f.name
              and j.locked_until is null
              and j.run_at <= now()
            order by j.priority, j.run_at, j.id
            limit least(f.slots, $2::int)
              for update of j skip locked
         ) l
),
unlimited as (
  -- Limited queues as one array computed once, compared with an expression that has no statistics:
  -- the planner then sees a cheap, unselective filter and keeps an ordered walk of jobs_ready_idx
  -- that stops after $2 rows. An anti-join, a per-row subquery or the bare column (whose statistics
  -- say "one queue") made it sort the whole table instead.
  select j.id
    from queue.jobs j
   where j.locked_until is null
     and j.run_at <= now()
     and (j.queue || '') <> all(array(select q.name from queue.queues q where q.concurrency is not null))
   order by j.priority, j.run_at, j.id
   -- The batch size as a subquery, not $2: with the value in sight, a custom plan on a table that
   -- has no statistics yet (bulk-loaded, not yet analyzed) priced the ordered walk above a bitmap
   -- scan of every ready job plus a sort (measured: 11 ms instead of 0.3 ms for 500 of 20,000 jobs),
   -- and each pool connection runs its first five claims with custom plans. Hidden, the limit is
   -- costed as in the generic plan, which keeps the walk.
   limit (select $2::int)
     for update of j skip locked
),
slots as (
  update queue.queues q
     set running = q.running + c.n
    from (select j.queue, count(*)::int as n
            from queue.jobs j
           where j.id = any(array(select id from limited))
           group by j.queue) c
   where q.name = c.queue
),
claimed as (
  update queue.jobs j
     set locked_by    = $1::text,
         locked_until = now() + make_interval(secs => $3::float8),
         holds_slot   = j.id = any(array(select id from limited))
   where j.id = any(array(select id from limited union all select id from unlimited))
  returning j.id, j.queue, j.task, j.payload, j.priority, j.run_at, j.attempts, j.max_attempts, j.created_at, j.holds_slot,
            coalesce(j.last_error = 'lease expired', false) as interrupted
),
state as (
  -- Saying idle in the claim that found the queue empty saves the worker a round trip per wake-up.
  -- A producer that read the flag just before this commit may have missed it: the worker looks once
  -- more after every change to idle (see src/lib/queue/worker.ts).
  update queue.workers w
     set idle = x.idle
    from (select (select count(*) from claimed) < $4::int as idle) x
   where w.id = $1::text
     and $4::int is not null
     and w.idle is distinct from x.idle
)
select * from claimed
