-- Stores the response for a key claimed in this transaction.
-- $1 scope, $2 key, $3 HTTP status, $4 response body. Returns nothing.
update booking.idempotency_keys
   set response_status = $3::integer,
       response_body   = $4::jsonb
 where scope = $1::text
   and key = $2::text
