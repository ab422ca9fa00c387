-- find_job: a job by id, waiting, running or finished, with its state.
-- $1 job id (bigint)
-- Returns 0 or 1 row; state is scheduled (run_at in the future), waiting, running, completed,
-- failed or cancelled.
-- @not-null id, queue, task, payload, priority, attempts, max_attempts, created_at, state
select j.id, j.queue, j.task, j.payload, j.priority, j.run_at, j.attempts, j.max_attempts,
       j.last_error, j.key, j.locked_by, j.locked_until, j.created_at, null::timestamptz as finished_at,
       case when j.locked_by is not null then 'running'
            when j.run_at > now()        then 'scheduled'
            else 'waiting' end as state
  from queue.jobs j
 where j.id = $1::bigint
union all
select h.id, h.queue, h.task, h.payload, h.priority, null, h.attempts, h.max_attempts,
       h.last_error, h.key, null, null, h.created_at, h.finished_at, h.state
  from queue.job_history h
 where h.id = $1::bigint
