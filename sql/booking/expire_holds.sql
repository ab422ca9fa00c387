-- Marks every lapsed hold as expired (housekeeping; correctness never depends on it).
-- No parameters. Returns the ids expired. SKIP LOCKED: a hold being confirmed or booked over right
-- now is that transaction's business.
update booking.bookings b
   set status = 'expired'
 where b.id in (select id
                  from booking.bookings
                 where status = 'held'
                   and hold_expires_at <= now()
                   for update skip locked)
returning b.id
