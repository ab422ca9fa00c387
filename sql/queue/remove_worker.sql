-- remove_worker: forget worker $1 (graceful stop).
-- $1 worker id (text)
delete from queue.workers where id = $1::text
