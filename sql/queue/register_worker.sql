-- register_worker: register worker $1 (not idle), or refresh its seen_at (heartbeat).
-- $1 worker id (text)
-- Returns nothing. queue.workers is unlogged: a crash loses it, the next heartbeat rebuilds the row.
-- The idle flag is not written here: claims write it (claim_jobs, $4) and producers take it
-- (queue.add_jobs); a heartbeat that wrote a stale value could leave an idle worker unwoken.
insert into queue.workers as w (id, idle, seen_at)
values ($1::text, false, now())
on conflict (id) do update
   set seen_at = excluded.seen_at
