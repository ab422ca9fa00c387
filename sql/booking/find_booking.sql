-- The booking, or no row. $1 booking id.
-- status is the effective status: a lapsed hold reads as 'expired'.
-- @not-null start_at, end_at, status, balance_due_minor
select b.id, b.resource_id, b.customer_email, lower(b.period) as start_at, upper(b.period) as end_at,
       booking.effective_status(b) as status, b.hold_expires_at, b.price_minor, b.currency,
       booking.balance_due(b.id) as balance_due_minor, b.created_at, b.updated_at
  from booking.bookings b
 where b.id = $1::bigint
