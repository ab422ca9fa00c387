-- Adds a blackout period to a resource. $1 resource id, $2 start, $3 end, $4 reason or null.
-- Returns the blackout. Existing bookings inside it are left alone: a blackout only stops new ones.
-- @not-null start_at, end_at
insert into booking.blackouts (resource_id, period, reason)
values ($1::bigint, tstzrange($2::timestamptz, $3::timestamptz, '[)'), $4::text)
returning id, resource_id, lower(period) as start_at, upper(period) as end_at, reason
