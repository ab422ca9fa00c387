-- job_stats: counts per queue and state, and the age of the oldest job waiting to run, for a page
-- of queues by name.
-- $1 history window in seconds (float8): finished jobs are counted when they finished within it.
-- $2 the queue to start after ('' for the first page), $3 how many queues.
-- Returns rows (queue, state, count, oldest_waiting_seconds) ; oldest_waiting_seconds is set on
-- 'waiting' rows only (now - run_at of the longest-waiting ready job). A page holds every state
-- of each of its queues, so it has at most $3 x 5 rows.
-- @not-null queue, state, count
with shown as (
  select q.queue
    from (select j.queue from queue.jobs j
          union
          select h.queue from queue.job_history h
           where h.finished_at > now() - make_interval(secs => $1::float8)) q
   where q.queue > $2::text
   order by q.queue
   limit $3::int
)
select j.queue,
       case when j.locked_by is not null then 'running'
            when j.run_at > now()        then 'scheduled'
            else 'waiting' end                                                        as state,
       count(*)::int                                                                  as count,
       extract(epoch from now() - min(j.run_at) filter (where j.locked_by is null
                                                           and j.run_at <= now()))::float8 as oldest_waiting_seconds
  from queue.jobs j
 where j.queue in (select queue from shown)
 group by 1, 2
union all
select h.queue, h.state, count(*)::int, null
  from queue.job_history h
 where h.finished_at > now() - make_interval(secs => $1::float8)
   and h.queue in (select queue from shown)
 group by 1, 2
 order by 1, 2
