-- extend_leases: heartbeat; push the lease of the running jobs of worker $2 to now() + $3 seconds.
-- $1 job ids (bigint[]), $2 worker id (text), $3 lease seconds (float8)
-- Returns the ids still held: a missing id means the lease was lost and the job must be abandoned.
-- Isolation: READ COMMITTED; locked_by is re-checked on the latest row version.
update queue.jobs j
   set locked_until = now() + make_interval(secs => $3::float8)
 where j.id = any($1::bigint[])
   and j.locked_by = $2::text
returning j.id
