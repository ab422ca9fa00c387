-- Books a period of a resource: the heart of the project.
-- $1 resource id, $2 customer email, $3 start timestamptz, $4 end timestamptz,
-- $5 hold minutes (null: a pending booking; n: a hold lapsing after n minutes),
-- $6 idempotency key or null.
-- Returns the new booking.
--
-- An expired hold must never block: bookings_no_overlap cannot mention now(), so lapsed holds of
-- this resource that overlap the new blocked period are marked 'expired' in the same statement,
-- before the insert (the insert reads count(*) from `expired`, which forces that order). Rows
-- updated by this statement are invisible to the exclusion check. Two concurrent requests that
-- expire the same hold serialize on its row lock; the second re-checks, finds it expired, moves on.
-- Overlap with an active booking raises 23P01 on bookings_no_overlap; length, availability and
-- blackouts raise 23514 from the bookings_check_period trigger, which also fills blocked_period.
-- @not-null start_at, end_at
with resource as (
  select id, buffer_before_minutes, buffer_after_minutes
    from booking.resources
   where id = $1::bigint
),
expired as (
  update booking.bookings b
     set status = 'expired'
    from resource r
   where b.resource_id = r.id
     and b.status = 'held'
     and b.hold_expires_at <= now()
     and b.blocked_period && tstzrange($3::timestamptz - make_interval(mins => r.buffer_before_minutes),
                                       $4::timestamptz + make_interval(mins => r.buffer_after_minutes), '[)')
  returning b.id
)
insert into booking.bookings
       (resource_id, customer_email, period, status, hold_expires_at, idempotency_key)
select $1::bigint,
       $2::text,
       tstzrange($3::timestamptz, $4::timestamptz, '[)'),
       case when $5::integer is null then 'pending' else 'held' end::booking.booking_status,
       now() + make_interval(mins => $5::integer),
       $6::text
 where (select count(*) from expired) >= 0
returning id, resource_id, customer_email, lower(period) as start_at, upper(period) as end_at,
          status, hold_expires_at, price_minor, currency, price_minor as balance_due_minor,
          created_at, updated_at
