-- rescue_jobs: release up to $1 jobs whose lease expired (their worker died or hung): back to
-- waiting for another attempt, or to job_history as failed when out of attempts; their queue slots
-- are given back. Any worker may run it; SKIP LOCKED keeps two rescuers off the same rows. There
-- is no index on locked_until (claims would pay for it): this scans queue.jobs, which holds only
-- the backlog, and workers run it at most once a minute (or every half lease when shorter).
-- A job whose handler never started (it waited in the dead worker's buffer) was never charged an
-- attempt (claim_jobs does not count one; the worker counts it when the handler starts), so it
-- goes back to waiting with its attempts as they were: a maxAttempts 1 job is not failed for a run
-- that never happened. A started job's count is recorded in
-- the worker's next results statement (complete_jobs), within a turn of the event loop; a crash
-- inside that window leaves it uncounted, which claim_jobs' `interrupted` covers on its next run.
-- $1 batch size (int)
-- Returns id and state ('retry' | 'failed') of each rescued job.
-- Isolation: READ COMMITTED; the lease is re-checked on the locked (latest) row version, so a lease
-- renewed by a heartbeat just before is left alone.
-- @not-null id, state
with expired as (
  select j.id, j.queue, j.holds_slot, j.attempts >= j.max_attempts as exhausted
    from queue.jobs j
   where j.locked_until < now()
   order by j.locked_until
   limit $1::int
     for update skip locked
),
dead as (
  delete from queue.jobs j
   using expired e
   where j.id = e.id
     and e.exhausted
  returning j.*
),
archived as (
  insert into queue.job_history
         (id, queue, task, payload, priority, attempts, max_attempts, last_error, key, state, created_at)
  select id, queue, task, payload, priority, attempts, max_attempts, 'lease expired', key, 'failed', created_at
    from dead
  returning id, 'failed'::text as state
),
retried as (
  update queue.jobs j
     set locked_by    = null,
         locked_until = null,
         holds_slot   = false,
         last_error   = 'lease expired'
    from expired e
   where j.id = e.id
     and not e.exhausted
  returning j.id, 'retry'::text as state
),
slots as (
  update queue.queues q
     set running = q.running - e.n
    from (select queue, count(*)::int as n from expired where holds_slot group by queue) e
   where q.name = e.queue
)
select * from archived
union all
select * from retried
