-- add_jobs: add a batch of jobs in one statement through queue.add_jobs.
-- $1 jobs (jsonb array of {task, payload, queue, priority, runAt, maxAttempts, key, keyMode})
-- Returns one row per job added, replaced or kept (a key given twice in the batch counts once: the
-- last one wins).
-- @not-null id, queue, task, payload, priority, run_at, attempts, max_attempts, created_at
select j.id, j.queue, j.task, j.payload, j.priority, j.run_at, j.attempts, j.max_attempts, j.key, j.created_at
  from queue.add_jobs($1::jsonb) j
