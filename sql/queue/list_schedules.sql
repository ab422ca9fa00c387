-- list_schedules: cron schedules by name, keyset-paginated.
-- $1 the name to start after ('' for the first page; every name is longer), $2 limit.
-- Returns the rows of queue.schedules; schedules_pkey (name) serves the order and the bound.
select s.name, s.cron, s.task, s.payload, s.queue, s.priority, s.max_attempts, s.created_at
  from queue.schedules s
 where s.name > $1::text
 order by s.name
 limit $2::int
