-- Replaces the weekly availability windows of a resource in one statement.
-- $1 resource id, $2 weekdays smallint[], $3 local start times time[], $4 local end times time[]
-- (parallel arrays). Returns one row (the resource id) or none when the resource does not exist.
-- The resource row is locked FOR NO KEY UPDATE so two concurrent replacements serialize instead of
-- interleaving their deletes and inserts; it does not block bookings, whose foreign key check only
-- takes FOR KEY SHARE. The insert reads count(*) from the delete so the delete runs first and
-- availability_windows_no_overlap never compares new windows with the old ones.
-- @not-null windows
with resource as (
  select id
    from booking.resources
   where id = $1::bigint
     for no key update
),
removed as (
  delete from booking.availability_windows w
   using resource
   where w.resource_id = resource.id
  returning w.id
),
added as (
  insert into booking.availability_windows (resource_id, weekday, start_time, end_time)
  select resource.id, n.weekday, n.start_time, n.end_time
    from resource,
         unnest($2::smallint[], $3::time[], $4::time[]) as n (weekday, start_time, end_time)
   where (select count(*) from removed) >= 0
  returning id
)
select resource.id, (select count(*) from added)::integer as windows
  from resource
