-- Active bookings of a resource whose blocked period overlaps the period a new booking would block:
-- run after bookings_no_overlap refused an insert, to name the conflict in the error.
-- $1 resource id, $2 start, $3 end. Returns id, start_at, end_at (no customer data).
-- @not-null start_at, end_at
select b.id, lower(b.period) as start_at, upper(b.period) as end_at
  from booking.bookings b
  join booking.resources r on r.id = b.resource_id
 where b.resource_id = $1::bigint
   and b.status in ('held', 'pending', 'confirmed')
   and b.blocked_period && tstzrange($2::timestamptz - make_interval(mins => r.buffer_before_minutes),
                                     $3::timestamptz + make_interval(mins => r.buffer_after_minutes), '[)')
 order by lower(b.period)
 limit 10
