-- delete_schedule: remove a cron schedule (its fired ticks go with it; jobs already added stay).
-- $1 name (text)
-- Returns the deleted schedule's name, or no row.
delete from queue.schedules
 where name = $1::text
returning name
