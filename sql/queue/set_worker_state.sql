-- set_worker_state: register worker $1, or refresh it, and say whether it waits for work.
-- $1 worker id (text), $2 idle (boolean)
-- Returns nothing. queue.workers is unlogged: a crash loses it, the next call rebuilds the row.
-- Producers NOTIFY only while some row is idle, so a worker says idle before it sleeps and busy
-- when a claim finds work again.
insert into queue.workers as w (id, idle, seen_at)
values ($1::text, $2::boolean, now())
on conflict (id) do update
   set idle    = excluded.idle,
       seen_at = excluded.seen_at
