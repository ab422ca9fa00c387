-- The stored request hash and first response for a key. $1 scope, $2 key.
select request_hash, response_status, response_body
  from booking.idempotency_keys
 where scope = $1::text
   and key = $2::text
