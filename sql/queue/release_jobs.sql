-- release_jobs: give back jobs worker $2 claimed but never started (graceful stop), as if never
-- claimed: the attempt is not counted and the queue slot is freed.
-- $1 job ids (bigint[]), $2 worker id (text)
-- Returns the ids released.
-- Isolation: READ COMMITTED; rows locked first so the slot count uses the values being changed.
with mine as (
  select j.id, j.queue, j.holds_slot
    from queue.jobs j
   where j.id = any($1::bigint[])
     and j.locked_by = $2::text
     for update
),
released as (
  update queue.jobs j
     set locked_by    = null,
         locked_until = null,
         holds_slot   = false,
         attempts     = greatest(j.attempts - 1, 0)
    from mine m
   where j.id = m.id
  returning j.id
),
slots as (
  update queue.queues q
     set running = q.running - m.n
    from (select queue, count(*)::int as n from mine where holds_slot group by queue) m
   where q.name = m.queue
)
select id from released
