-- job_stats: counts per queue and state, and the age of the oldest job waiting to run.
-- $1 history window in seconds (float8): finished jobs are counted when they finished within it.
-- Returns rows (queue, state, count, oldest_waiting_seconds) ; oldest_waiting_seconds is set on
-- 'waiting' rows only (now - run_at of the longest-waiting ready job).
-- @not-null queue, state, count
select j.queue,
       case when j.locked_by is not null then 'running'
            when j.run_at > now()        then 'scheduled'
            else 'waiting' end                                                        as state,
       count(*)::int                                                                  as count,
       extract(epoch from now() - min(j.run_at) filter (where j.locked_by is null
                                                           and j.run_at <= now()))::float8 as oldest_waiting_seconds
  from queue.jobs j
 group by 1, 2
union all
select h.queue, h.state, count(*)::int, null
  from queue.job_history h
 where h.finished_at > now() - make_interval(secs => $1::float8)
 group by 1, 2
 order by 1, 2
