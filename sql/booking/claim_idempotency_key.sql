-- Claims an Idempotency-Key inside the caller's transaction.
-- $1 scope (e.g. 'POST /booking/bookings'), $2 key, $3 request hash.
-- Returns a row when this transaction now owns the key; no row when it was already used. A
-- concurrent claimer of the same key waits on the primary key until the owner commits (then gets
-- no row and replays) or rolls back (then owns the key).
insert into booking.idempotency_keys (scope, key, request_hash)
values ($1::text, $2::text, $3::text)
on conflict (scope, key) do nothing
returning scope
