-- Creates a resource. Defaults are applied by the caller so that they appear in the API schema.
-- $1 name, $2 IANA time zone, $3 min minutes, $4 max minutes, $5 buffer before minutes,
-- $6 buffer after minutes, $7 requires payment, $8 price in minor units, $9 ISO currency or null.
-- Returns the resource row.
insert into booking.resources
       (name, time_zone, min_minutes, max_minutes, buffer_before_minutes,
        buffer_after_minutes, requires_payment, price_minor, currency)
values ($1::text, $2::text, $3::integer, $4::integer, $5::integer,
        $6::integer, $7::boolean, $8::bigint, $9::text)
returning id, name, time_zone, min_minutes, max_minutes, buffer_before_minutes,
          buffer_after_minutes, requires_payment, price_minor, currency, created_at
