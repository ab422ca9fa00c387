-- create_schedule: add a cron schedule. The cron text is checked by the library before it gets here.
-- $1 name, $2 cron, $3 task (text), $4 payload (JSON text), $5 queue (text), $6 priority (int),
-- $7 max_attempts (int); null means the column default
-- Returns the schedule. A taken name raises UniqueViolation (schedules_pkey).
insert into queue.schedules (name, cron, task, payload, queue, priority, max_attempts)
values ($1::text, $2::text, $3::text, coalesce($4::text::jsonb, '{}'::jsonb), coalesce($5::text, 'default'),
        coalesce($6::int, 0), coalesce($7::int, 25))
returning name, cron, task, payload, queue, priority, max_attempts, created_at
