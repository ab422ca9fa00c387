-- prune: maintenance, run by whichever worker gets the advisory lock: delete finished jobs older
-- than the retention, fired ticks older than a day, and workers silent for a minute.
-- $1 history retention seconds (float8), $2 batch size (int)
-- Returns locked (false: another worker is pruning) and how many history rows were deleted.
-- Isolation: READ COMMITTED; the transaction-level advisory lock keeps two pruners from scanning
-- the same rows, and is released at commit, so a crashed pruner never blocks the next one.
-- @not-null locked, pruned
with lock as (
  select pg_try_advisory_xact_lock(hashtext('queue.prune')) as locked
),
old as (
  delete from queue.job_history h
   where h.id = any(array(select x.id
                            from queue.job_history x
                           where x.finished_at < now() - make_interval(secs => $1::float8)
                             and (select locked from lock)
                           order by x.finished_at
                           limit $2::int))
  returning 1
),
ticks as (
  delete from queue.schedule_ticks t
   where t.tick < now() - interval '1 day'
     and (select locked from lock)
),
workers as (
  delete from queue.workers w
   where w.seen_at < now() - interval '1 minute'
     and (select locked from lock)
)
select (select locked from lock) as locked, (select count(*)::int from old) as pruned
