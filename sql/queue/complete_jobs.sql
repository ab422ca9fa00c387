-- complete_jobs: move finished jobs of worker $2 from queue.jobs to queue.job_history in one
-- statement, give back the slots they held in limited queues, and count the attempts of runs that
-- started since the worker's last results (claim_jobs does not count them: see its header).
-- $1 job ids (bigint[]), $2 worker id (text), $3 keep completed jobs in history (boolean): false
-- deletes them outright, as graphile-worker does (measured: 708 -> ~500 bytes of WAL per job),
-- $4 attempt numbers of the runs that completed (int[], same order as $1), $5 ids of jobs still
-- running whose start was not counted yet (bigint[]) and $6 their attempt numbers (int[]).
-- A count is set to the run's number (greatest, never added to), so a statement that committed
-- although the worker saw it fail (a connection killed after commit) can be sent again without
-- counting twice. Folding the count of started runs into this statement keeps the drain at the
-- statements it ran before (a claim per batch, one of these per turn of the worker's event loop).
-- Returns the ids completed; a job whose lease this worker lost (expired, re-claimed) is skipped.
-- @not-null id
-- Isolation: READ COMMITTED. The DELETE and the UPDATE re-check locked_by on the latest row
-- version, so a worker whose lease expired can never archive or count a job another worker now runs.
with done as (
  delete from queue.jobs j
   -- ids through an array subquery, not $1 itself: a custom plan that sees 500 ids of a table
   -- without statistics yet chose a sequential scan of every job (measured: 4.5 ms instead of 1.8
   -- ms for 500 of 20,000); an array it cannot see is costed as a few pkey lookups.
   where j.id = any(array(select unnest($1::bigint[])))
     and j.locked_by = $2::text
  returning j.*
),
counted as (
  -- the ids hidden in an array too: joined to the unnest alone, the plan was a sequential scan of
  -- queue.jobs (measured: 20,000 rows read to count 8)
  update queue.jobs j
     set attempts = greatest(j.attempts, s.attempt)
    from unnest($5::bigint[], $6::int[]) as s(id, attempt)
   where j.id = any(array(select unnest($5::bigint[])))
     and j.id = s.id
     and j.locked_by = $2::text
),
slots as (
  update queue.queues q
     set running = q.running - d.n
    from (select queue, count(*)::int as n from done where holds_slot group by queue) d
   where q.name = d.queue
),
archived as (
  insert into queue.job_history
         (id, queue, task, payload, priority, attempts, max_attempts, last_error, key, state, created_at)
  select d.id, d.queue, d.task, d.payload, d.priority, greatest(d.attempts, a.attempt), d.max_attempts,
         d.last_error, d.key, 'completed', d.created_at
    from done d
    join unnest($1::bigint[], $4::int[]) as a(id, attempt) on a.id = d.id
   where $3::boolean
)
select id from done
