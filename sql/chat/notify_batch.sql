-- notify_batch: one NOTIFY carrying many (conversation, seq) pairs, for writers that sent with
-- notify => false (src/lib/chat/live.ts, batched mode). $1 the payload (at most 7,900 bytes: the
-- caller splits batches). Returns one row.
select pg_notify('chat', $1::text) as sent;
