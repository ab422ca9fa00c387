-- list_schedules: every cron schedule, by name.
-- No parameters. Returns the rows of queue.schedules.
select s.name, s.cron, s.task, s.payload, s.queue, s.priority, s.max_attempts, s.created_at
  from queue.schedules s
 order by s.name
