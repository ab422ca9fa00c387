-- The resource with its weekly availability windows (ordered), or no row.
-- $1 resource id. Returns one row; windows is a json array of {weekday, start, end} ("HH:MM").
-- @not-null windows
select r.id, r.name, r.time_zone, r.min_minutes, r.max_minutes, r.buffer_before_minutes,
       r.buffer_after_minutes, r.requires_payment, r.price_minor, r.currency, r.created_at,
       coalesce((select json_agg(json_build_object(
                                   'weekday', w.weekday,
                                   'start',   to_char(w.start_time, 'HH24:MI'),
                                   'end',     case when w.end_time = time '24:00' then '24:00'
                                                   else to_char(w.end_time, 'HH24:MI') end)
                                 order by w.weekday, w.start_time)
                   from booking.availability_windows w
                  where w.resource_id = r.id), '[]') as windows
  from booking.resources r
 where r.id = $1::bigint
