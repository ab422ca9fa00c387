-- fail_jobs: record failed attempts of worker $3. A job with attempts left goes back to waiting
-- with run_at pushed by exponential backoff with jitter: $4 * 2^(attempts-1) seconds, capped at $5,
-- times a random factor in [0.75, 1.25); a job out of attempts moves to job_history as failed.
-- Either way its slot in a limited queue is given back.
-- $1 job ids (bigint[]), $2 error messages (text[], same order), $3 worker id (text),
-- $4 backoff base seconds (float8), $5 backoff cap seconds (float8), $6 attempt numbers (int[], same
-- order as $1): the failed run's number, counted here when the worker had not counted its start yet
-- (claim_jobs does not). Set with greatest, so sending the statement again never counts twice.
-- Returns id, state ('retry' | 'failed') and run_at (next attempt) of each job recorded.
-- Isolation: READ COMMITTED; the jobs are locked first, so the values read are the ones changed.
-- @not-null id, state
with input as (
  select f.id, f.error, f.attempt from unnest($1::bigint[], $2::text[], $6::int[]) as f(id, error, attempt)
),
mine as (
  select j.id, j.queue, j.holds_slot, greatest(j.attempts, i.attempt) as attempts,
         greatest(j.attempts, i.attempt) >= j.max_attempts as exhausted, i.error
    from queue.jobs j
    join input i on i.id = j.id
   where j.locked_by = $3::text
     for update of j
),
dead as (
  delete from queue.jobs j
   using mine m
   where j.id = m.id
     and m.exhausted
  returning j.*, m.error, m.attempts as counted
),
archived as (
  insert into queue.job_history
         (id, queue, task, payload, priority, attempts, max_attempts, last_error, key, state, created_at)
  select id, queue, task, payload, priority, counted, max_attempts, error, key, 'failed', created_at
    from dead
  returning id, 'failed'::text as state, null::timestamptz as run_at
),
retried as (
  update queue.jobs j
     set locked_by    = null,
         locked_until = null,
         holds_slot   = false,
         attempts     = m.attempts,
         last_error   = m.error,
         run_at       = now() + make_interval(secs =>
                          least($5::float8, $4::float8 * power(2, m.attempts - 1)) * (0.75 + random() / 2))
    from mine m
   where j.id = m.id
     and not m.exhausted
  returning j.id, 'retry'::text as state, j.run_at
),
slots as (
  update queue.queues q
     set running = q.running - m.n
    from (select queue, count(*)::int as n from mine where holds_slot group by queue) m
   where q.name = m.queue
)
select * from archived
union all
select * from retried
