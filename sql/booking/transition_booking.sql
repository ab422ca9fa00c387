-- Moves a booking to a new status. $1 booking id, $2 target status.
-- Returns the booking, or no row when it does not exist. The bookings_check_status trigger decides
-- whether the move is legal (SQLSTATE BK001) and whether a paying resource is paid in full
-- (SQLSTATE BK002); it locks nothing extra: the update itself holds the row lock, and
-- payments_check_balance takes the same row lock, so a confirm and a payment serialize.
-- @not-null start_at, end_at, balance_due_minor
update booking.bookings b
   set status = $2::booking.booking_status
 where b.id = $1::bigint
returning b.id, b.resource_id, b.customer_email, lower(b.period) as start_at, upper(b.period) as end_at,
          b.status, b.hold_expires_at, b.price_minor, b.currency,
          booking.balance_due(b.id) as balance_due_minor, b.created_at, b.updated_at
