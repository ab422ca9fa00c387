-- release_jobs: give back jobs worker $2 claimed (graceful stop: jobs never started, and running
-- ones aborted at the stop timeout), as if never claimed: the attempt is not counted and the queue
-- slot is freed.
-- $1 job ids (bigint[]), $2 worker id (text), $3 attempts of each job when claimed (int[], same
-- order): the count goes back to it whether or not the worker had counted the aborted run yet.
-- Returns the ids released.
-- Isolation: READ COMMITTED; rows locked first so the slot count uses the values being changed.
with mine as (
  select j.id, j.queue, j.holds_slot, r.attempts
    from queue.jobs j
    join unnest($1::bigint[], $3::int[]) as r(id, attempts) on r.id = j.id
   where j.locked_by = $2::text
     for update of j
),
released as (
  update queue.jobs j
     set locked_by    = null,
         locked_until = null,
         holds_slot   = false,
         attempts     = least(j.attempts, m.attempts)
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
