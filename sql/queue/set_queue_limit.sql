-- set_queue_limit: set (or clear, with null) how many jobs of queue $1 may run at once across
-- all workers; 1 makes the queue serial.
-- $1 queue name (text), $2 concurrency (int or null)
-- Returns the queue row. Jobs already running keep running; claims that start after this commits
-- obey the new limit (jobs claimed before a limit existed do not count against it).
insert into queue.queues as q (name, concurrency)
values ($1::text, $2::int)
on conflict (name) do update
   set concurrency = excluded.concurrency,
       updated_at  = now()
returning q.name, q.concurrency, q.running
