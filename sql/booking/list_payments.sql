-- Payments of a booking, oldest first. $1 booking id, $2 limit (the library clamps it: failed
-- attempts are not bounded by the balance, so neither would the list be).
select p.id, p.booking_id, p.amount_minor, p.currency, p.status, p.provider_reference, p.created_at
  from booking.payments p
 where p.booking_id = $1::bigint
 order by p.created_at, p.id
 limit $2::integer
