-- cancel_job: move a job that is not running to job_history as cancelled.
-- $1 job id (bigint)
-- Returns the cancelled job's id, or no row (no such waiting job: running, finished or unknown).
-- Isolation: READ COMMITTED; the DELETE re-checks locked_by on the latest row version, so a job a
-- worker claims at the same instant is either cancelled before the claim or left running.
with gone as (
  delete from queue.jobs j
   where j.id = $1::bigint
     and j.locked_by is null
  returning j.*
)
insert into queue.job_history
       (id, queue, task, payload, priority, attempts, max_attempts, last_error, key, state, created_at)
select id, queue, task, payload, priority, attempts, max_attempts, last_error, key, 'cancelled', created_at
  from gone
returning id
