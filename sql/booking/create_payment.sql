-- Records a payment for a booking.
-- $1 booking id, $2 amount in minor units, $3 ISO currency, $4 status, $5 provider reference,
-- $6 idempotency key or null. Returns the payment row.
-- payments_booking_currency_fkey refuses a currency other than the booking's (23503);
-- payments_check_balance locks the booking row and refuses a succeeded payment above the
-- balance due (23514 payments_not_over_balance); provider reference and key are unique (23505).
insert into booking.payments (booking_id, amount_minor, currency, status, provider_reference, idempotency_key)
values ($1::bigint, $2::bigint, $3::text, $4::booking.payment_status, $5::text, $6::text)
returning id, booking_id, amount_minor, currency, status, provider_reference, created_at
