-- Payments of a booking, oldest first. $1 booking id.
select p.id, p.booking_id, p.amount_minor, p.currency, p.status, p.provider_reference, p.created_at
  from booking.payments p
 where p.booking_id = $1::bigint
 order by p.created_at, p.id
