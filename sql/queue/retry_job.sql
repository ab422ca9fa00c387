-- retry_job: run a job again now. A failed or cancelled job comes back from job_history with its
-- attempts reset (same id); a waiting or scheduled job has its run_at moved to now.
-- $1 job id (bigint)
-- Returns the job's id, or no row (running, completed or unknown). A key now used by another job
-- makes the insert fail with UniqueViolation (jobs_key_key).
-- Isolation: READ COMMITTED; the history row is deleted first, so two concurrent retries of one
-- failed job insert it once (the second finds nothing to delete).
-- @not-null id
with revived as (
  delete from queue.job_history h
   where h.id = $1::bigint
     and h.state in ('failed', 'cancelled')
  returning h.*
),
back as (
  insert into queue.jobs (id, queue, task, payload, priority, run_at, attempts, max_attempts, last_error, key, created_at)
  select id, queue, task, payload, priority, now(), 0, max_attempts, last_error, key, created_at
    from revived
  returning id
),
sooner as (
  update queue.jobs j
     set run_at = least(j.run_at, now())
   where j.id = $1::bigint
     and j.locked_by is null
  returning j.id
)
select id from back
union all
select id from sooner
