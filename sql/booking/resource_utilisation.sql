-- Utilisation of a resource per local day.
-- $1 resource id, $2 first local date, $3 last local date (inclusive).
-- Returns day, available_minutes (windows minus blackouts), booked_minutes (active, completed and
-- no-show bookings clipped to the day). A DST day is 23 or 25 hours long; spans follow the zone.
-- @not-null day, available_minutes, booked_minutes
with resource as (
  select id, time_zone from booking.resources where id = $1::bigint
),
days as (
  select d::date as day,
         tstzrange(d::date::timestamp at time zone r.time_zone,
                   (d::date + 1)::timestamp at time zone r.time_zone, '[)') as span
    from resource r,
         generate_series($2::date::timestamp, $3::date::timestamp, interval '1 day') as d
)
select d.day::text as day,
       (select coalesce(sum(extract(epoch from upper(a) - lower(a))), 0) / 60
          from unnest(booking.available_time(r.id, d.span)) as a)::integer as available_minutes,
       (select coalesce(sum(extract(epoch from upper(b.period * d.span) - lower(b.period * d.span))), 0) / 60
          from booking.bookings b
         where b.resource_id = r.id
           and b.period && d.span
           and booking.effective_status(b) in ('held', 'pending', 'confirmed', 'completed', 'no_show'))::integer
         as booked_minutes
  from days d, resource r
 order by d.day
