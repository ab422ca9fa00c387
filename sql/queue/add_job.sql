-- add_job: add one job through the SQL function queue.add_job (the same one other projects call
-- inside their own transactions).
-- $1 task (text), $2 payload (JSON text, null = {}), $3 queue (text, null = 'default'), $4 run_at (timestamptz,
-- null = now), $5 priority (int, null = 0), $6 max_attempts (int, null = 25), $7 key (text),
-- $8 key mode ('replace' | 'preserve', null = 'replace')
-- Returns the job added, replaced or kept (for a key), as queue.jobs columns.
-- @not-null id, queue, task, payload, priority, run_at, attempts, max_attempts, created_at
select j.id, j.queue, j.task, j.payload, j.priority, j.run_at, j.attempts, j.max_attempts, j.key, j.created_at
  from queue.add_job(task         => $1::text,
                     payload      => coalesce($2::text::jsonb, '{}'::jsonb),
                     queue        => coalesce($3::text, 'default'),
                     run_at       => $4::timestamptz,
                     priority     => coalesce($5::int, 0),
                     max_attempts => coalesce($6::int, 25),
                     key          => $7::text,
                     key_mode     => coalesce($8::text, 'replace')) j
