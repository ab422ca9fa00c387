--! Previous: sha1:66fa9215b3e5fb5548dae3aab4bc7917f6d6686e
--! Hash: sha1:904c6d6cd45dbdf64ff5cf5217d124df99538a67
--! Message: booking: resources, availability, bookings without overlap, payments

-- booking: double-booking made impossible by the database.
--
-- The guarantee is one exclusion constraint (bookings_no_overlap): two active bookings of one
-- resource can never have overlapping blocked periods (the booked period widened by the
-- resource's buffers). Everything else (length limits, availability, blackouts, the status
-- machine, the payment rule) is enforced by triggers so that no client, not even psql, can
-- bypass it.
create schema booking;

create extension if not exists btree_gist with schema public;
create extension if not exists citext with schema public;

comment on schema booking is 'pg-grind project 6: resources, availability, bookings without double-booking, payments.';

------------------------------------------------------------------------------------------------
-- types
------------------------------------------------------------------------------------------------

create type booking.booking_status as enum (
  'held', 'pending', 'confirmed', 'completed', 'cancelled', 'expired', 'no_show'
);
comment on type booking.booking_status is 'held -> pending -> confirmed -> completed; held/pending/confirmed may be cancelled; held may expire; confirmed may be no_show.';

create type booking.payment_status as enum ('pending', 'succeeded', 'failed', 'refunded');

-- A range of local wall-clock times, used only to forbid overlapping availability windows.
create type booking.timerange as range (subtype = time);

------------------------------------------------------------------------------------------------
-- resources
------------------------------------------------------------------------------------------------

-- An IANA zone name known to this server (pg_timezone_names lists the tzdata files, so POSIX
-- strings such as 'UTC+3' or abbreviations such as 'CEST' are refused). Stable, not immutable:
-- tzdata can change with a server upgrade, which is why it is used in a CHECK on insert/update only.
create function booking.is_time_zone(name text) returns boolean
  language sql stable strict parallel safe
  as $$ select exists (select 1 from pg_catalog.pg_timezone_names where pg_timezone_names.name = $1) $$;

create table booking.resources (
  id                    bigint generated always as identity,
  name                  text not null,
  time_zone             text not null,
  min_minutes           integer not null default 15,
  max_minutes           integer not null default 480,
  buffer_before_minutes integer not null default 0,
  buffer_after_minutes  integer not null default 0,
  requires_payment      boolean not null default false,
  price_minor           bigint not null default 0,
  currency              char(3),
  created_at            timestamptz not null default now(),
  constraint resources_pkey primary key (id),
  constraint resources_name_length check (char_length(name) between 1 and 200),
  constraint resources_time_zone_valid check (booking.is_time_zone(time_zone)),
  constraint resources_min_minutes_positive check (min_minutes >= 1),
  constraint resources_max_minutes_range check (max_minutes >= min_minutes and max_minutes <= 10080),
  constraint resources_buffer_before_range check (buffer_before_minutes between 0 and 1440),
  constraint resources_buffer_after_range check (buffer_after_minutes between 0 and 1440),
  constraint resources_price_nonnegative check (price_minor >= 0),
  constraint resources_currency_iso check (currency ~ '^[A-Z]{3}$'),
  constraint resources_price_has_currency check (price_minor = 0 or currency is not null),
  constraint resources_payment_needs_price check (not requires_payment or price_minor > 0)
);
comment on table booking.resources is 'Something that can be booked: a room, a person, a court.';
comment on column booking.resources.time_zone is 'IANA time zone in which availability windows and slots are expressed.';
comment on column booking.resources.min_minutes is 'Shortest allowed booking, minutes.';
comment on column booking.resources.max_minutes is 'Longest allowed booking, minutes (at most 7 days).';
comment on column booking.resources.buffer_before_minutes is 'Time kept free before each booking (set-up); captured into bookings.blocked_period at booking time.';
comment on column booking.resources.buffer_after_minutes is 'Time kept free after each booking (clean-up); captured into bookings.blocked_period at booking time.';
comment on column booking.resources.requires_payment is 'When true a booking cannot be confirmed before its balance due is zero.';
comment on column booking.resources.price_minor is 'Price of one booking in minor units of currency (cents); copied onto each booking.';
comment on column booking.resources.currency is 'ISO 4217 code of price_minor.';

------------------------------------------------------------------------------------------------
-- availability windows and blackouts
------------------------------------------------------------------------------------------------

create table booking.availability_windows (
  id          bigint generated always as identity,
  resource_id bigint not null,
  weekday     smallint not null,
  start_time  time not null,
  end_time    time not null,
  constraint availability_windows_pkey primary key (id),
  constraint availability_windows_resource_id_fkey foreign key (resource_id)
    references booking.resources (id) on delete cascade,
  constraint availability_windows_weekday_range check (weekday between 0 and 6),
  constraint availability_windows_start_before_end check (start_time < end_time),
  constraint availability_windows_no_overlap exclude using gist (
    resource_id with =,
    weekday with =,
    booking.timerange(start_time, end_time) with &&
  )
);
comment on table booking.availability_windows is 'Weekly opening hours of a resource in its local time. A resource without any window is available around the clock.';
comment on column booking.availability_windows.weekday is '0 = Sunday .. 6 = Saturday (extract(dow)).';
comment on column booking.availability_windows.start_time is 'Local wall-clock start, inclusive.';
comment on column booking.availability_windows.end_time is 'Local wall-clock end, exclusive; 24:00 means midnight at the end of the day.';

create table booking.blackouts (
  id          bigint generated always as identity,
  resource_id bigint not null,
  period      tstzrange not null,
  reason      text,
  constraint blackouts_pkey primary key (id),
  constraint blackouts_resource_id_fkey foreign key (resource_id)
    references booking.resources (id) on delete cascade,
  constraint blackouts_period_bounded check (
    not isempty(period) and not lower_inf(period) and not upper_inf(period)
  ),
  constraint blackouts_reason_length check (char_length(reason) <= 500)
);
create index blackouts_resource_period_idx on booking.blackouts using gist (resource_id, period);
comment on table booking.blackouts is 'Periods when a resource cannot be booked at all (holidays, maintenance).';

-- Every concrete occurrence of the resource's weekly windows whose local date lies in
-- [from_date - 1, to_date + 1], as absolute tstzranges. Converting local date + local time with
-- `at time zone` per date is what makes DST right: on a spring-forward day a 00:00-06:00 window is
-- five hours long, on a fall-back day seven. A resource without windows gets 00:00-24:00 every day.
create function booking.window_instances(p_resource_id bigint, from_date date, to_date date)
  returns table (local_date date, period tstzrange)
  language sql stable parallel safe
  as $$
    with r as (
      select time_zone,
             not exists (select 1 from booking.availability_windows w where w.resource_id = r.id) as all_day
        from booking.resources r
       where r.id = p_resource_id
    ),
    windows as (
      select w.weekday, w.start_time, w.end_time
        from booking.availability_windows w
       where w.resource_id = p_resource_id
       union all
      select d, time '00:00', time '24:00'
        from r, generate_series(0, 6) as d
       where r.all_day
    )
    select day::date,
           tstzrange((day::date + w.start_time) at time zone r.time_zone,
                     (day::date + w.end_time)   at time zone r.time_zone, '[)')
      from r
     cross join generate_series((from_date - 1)::timestamp, (to_date + 1)::timestamp, interval '1 day') as day
      join windows w on w.weekday = extract(dow from day)
  $$;
comment on function booking.window_instances(bigint, date, date) is 'Concrete availability windows of a resource for local dates from_date-1 .. to_date+1, DST-correct.';

-- The bookable time of a resource inside a period: window instances minus blackouts.
create function booking.available_time(p_resource_id bigint, p_period tstzrange)
  returns tstzmultirange
  language sql stable parallel safe
  as $$
    select coalesce(
             (select range_agg(wi.period * p_period)
                from booking.resources r,
                     booking.window_instances(
                       r.id,
                       (lower(p_period) at time zone r.time_zone)::date,
                       (upper(p_period) at time zone r.time_zone)::date) wi
               where r.id = p_resource_id
                 and wi.period && p_period),
             '{}'::tstzmultirange)
           - coalesce(
             (select range_agg(b.period)
                from booking.blackouts b
               where b.resource_id = p_resource_id
                 and b.period && p_period),
             '{}'::tstzmultirange)
  $$;
comment on function booking.available_time(bigint, tstzrange) is 'Availability windows of the resource within p_period, minus its blackouts.';

------------------------------------------------------------------------------------------------
-- bookings
------------------------------------------------------------------------------------------------

create table booking.bookings (
  id              bigint generated always as identity,
  resource_id     bigint not null,
  customer_email  citext not null,
  period          tstzrange not null,
  blocked_period  tstzrange not null,
  status          booking.booking_status not null default 'pending',
  hold_expires_at timestamptz,
  price_minor     bigint not null default 0,
  currency        char(3),
  idempotency_key text,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  constraint bookings_pkey primary key (id),
  constraint bookings_id_currency_key unique (id, currency),
  constraint bookings_idempotency_key_key unique (idempotency_key),
  constraint bookings_resource_id_fkey foreign key (resource_id) references booking.resources (id),
  constraint bookings_customer_email_format check (
    char_length(customer_email) <= 254 and customer_email ~ '^[^@\s]+@[^@\s]+$'
  ),
  constraint bookings_period_bounded check (
    not isempty(period) and not lower_inf(period) and not upper_inf(period)
  ),
  constraint bookings_blocked_covers_period check (blocked_period @> period),
  constraint bookings_hold_has_expiry check (status <> 'held' or hold_expires_at is not null),
  constraint bookings_price_nonnegative check (price_minor >= 0),
  constraint bookings_idempotency_key_length check (char_length(idempotency_key) between 1 and 255),
  -- The point of the project. Only active bookings block; a held booking whose hold expired is
  -- still 'held' until something expires it, which create_booking does in the same statement
  -- (the predicate cannot mention now(): index predicates must be immutable).
  constraint bookings_no_overlap exclude using gist (
    resource_id with =,
    blocked_period with &&
  ) where (status in ('held', 'pending', 'confirmed'))
);
create index bookings_customer_email_period_idx on booking.bookings (customer_email, lower(period));
create index bookings_resource_held_idx on booking.bookings (resource_id, hold_expires_at) where status = 'held';
comment on table booking.bookings is 'A booking of one resource for one period. Active (held, pending, confirmed) bookings of a resource never overlap, buffers included.';
comment on column booking.bookings.period is 'The booked period, [start, end).';
comment on column booking.bookings.blocked_period is 'period widened by the resource''s buffers at booking time; what bookings_no_overlap compares. Maintained by trigger.';
comment on column booking.bookings.hold_expires_at is 'For held bookings: when the hold lapses and stops blocking the period.';
comment on column booking.bookings.price_minor is 'Amount due in minor units, copied from the resource at booking time.';
comment on column booking.bookings.idempotency_key is 'Idempotency-Key under which the booking was created, if any.';

-- BEFORE INSERT / UPDATE OF period, resource_id: length limits, availability, blackouts, buffers.
-- Raised as check_violation with a constraint name so that they map like CHECK constraints (422).
create function booking.bookings_check_period() returns trigger
  language plpgsql
  as $$
declare
  r booking.resources;
  minutes numeric;
begin
  select * into r from booking.resources where id = new.resource_id;
  if not found then
    -- Raised here because the not-null check on blocked_period would otherwise come first.
    raise exception 'resource % does not exist', new.resource_id
      using errcode = 'foreign_key_violation', schema = 'booking', table = 'bookings',
            constraint = 'bookings_resource_id_fkey';
  end if;
  if isempty(new.period) or lower_inf(new.period) or upper_inf(new.period) then
    return new; -- bookings_period_bounded reports it
  end if;
  minutes := round(extract(epoch from upper(new.period) - lower(new.period)) / 60, 2);
  if minutes < r.min_minutes or minutes > r.max_minutes then
    raise exception 'booking of % minutes is outside % .. % minutes', minutes, r.min_minutes, r.max_minutes
      using errcode = 'check_violation', schema = 'booking', table = 'bookings',
            constraint = 'bookings_length_within_limits';
  end if;
  if exists (select 1 from booking.blackouts b
              where b.resource_id = new.resource_id and b.period && new.period) then
    raise exception 'booking overlaps a blackout of resource %', new.resource_id
      using errcode = 'check_violation', schema = 'booking', table = 'bookings',
            constraint = 'bookings_outside_blackouts';
  end if;
  if not booking.available_time(new.resource_id, new.period) @> new.period then
    raise exception 'booking is outside the availability of resource %', new.resource_id
      using errcode = 'check_violation', schema = 'booking', table = 'bookings',
            constraint = 'bookings_within_availability';
  end if;
  if tg_op = 'INSERT' then
    new.price_minor := r.price_minor;
    new.currency := r.currency;
  end if;
  new.blocked_period := tstzrange(lower(new.period) - make_interval(mins => r.buffer_before_minutes),
                                  upper(new.period) + make_interval(mins => r.buffer_after_minutes), '[)');
  return new;
end
$$;

create trigger bookings_check_period
  before insert or update of period, resource_id on booking.bookings
  for each row execute function booking.bookings_check_period();

-- BEFORE UPDATE OF status: the status machine. Illegal moves raise SQLSTATE BK001
-- (booking_illegal_transition); confirming an unpaid booking of a paying resource raises BK002
-- (booking_payment_required). Both mean "conflicts with the booking's current state": HTTP 409.
create function booking.bookings_check_status() returns trigger
  language plpgsql
  as $$
declare
  needs_payment boolean;
  due bigint;
begin
  if new.status = old.status then
    return new;
  end if;
  if not (old.status, new.status) in (
       ('held', 'pending'), ('held', 'confirmed'), ('held', 'cancelled'), ('held', 'expired'),
       ('pending', 'confirmed'), ('pending', 'cancelled'),
       ('confirmed', 'completed'), ('confirmed', 'cancelled'), ('confirmed', 'no_show'))
  then
    raise exception 'booking % cannot go from % to %', old.id, old.status, new.status
      using errcode = 'BK001', schema = 'booking', table = 'bookings',
            constraint = 'bookings_status_transition';
  end if;
  -- A lapsed hold may only become expired or cancelled: it no longer owns its period.
  if old.status = 'held' and old.hold_expires_at <= now() and new.status not in ('expired', 'cancelled') then
    raise exception 'hold of booking % expired at %', old.id, old.hold_expires_at
      using errcode = 'BK001', schema = 'booking', table = 'bookings',
            constraint = 'bookings_hold_expired';
  end if;
  if new.status = 'confirmed' then
    select requires_payment into needs_payment from booking.resources where id = new.resource_id;
    due := booking.balance_due(new.id);
    if needs_payment and due > 0 then
      raise exception 'booking % has % % still due', new.id, due, new.currency
        using errcode = 'BK002', schema = 'booking', table = 'bookings',
              constraint = 'bookings_paid_before_confirm';
    end if;
  end if;
  new.updated_at := now();
  return new;
end
$$;

create trigger bookings_check_status
  before update of status on booking.bookings
  for each row execute function booking.bookings_check_status();

------------------------------------------------------------------------------------------------
-- payments
------------------------------------------------------------------------------------------------

create table booking.payments (
  id                 bigint generated always as identity,
  booking_id         bigint not null,
  amount_minor       bigint not null,
  currency           char(3) not null,
  status             booking.payment_status not null default 'succeeded',
  provider_reference text not null,
  idempotency_key    text,
  created_at         timestamptz not null default now(),
  constraint payments_pkey primary key (id),
  -- Composite key: a payment's currency is the booking's currency, by construction.
  constraint payments_booking_currency_fkey foreign key (booking_id, currency)
    references booking.bookings (id, currency),
  constraint payments_provider_reference_key unique (provider_reference),
  constraint payments_idempotency_key_key unique (idempotency_key),
  constraint payments_amount_positive check (amount_minor > 0),
  constraint payments_currency_iso check (currency ~ '^[A-Z]{3}$'),
  constraint payments_provider_reference_length check (char_length(provider_reference) between 1 and 255),
  constraint payments_idempotency_key_length check (char_length(idempotency_key) between 1 and 255)
);
create index payments_booking_id_idx on booking.payments (booking_id);
comment on table booking.payments is 'Money received (or attempted) for a booking, in minor units.';
comment on column booking.payments.amount_minor is 'Amount in minor units of currency (cents).';
comment on column booking.payments.currency is 'ISO 4217 code; must equal the booking''s currency.';
comment on column booking.payments.provider_reference is 'The payment provider''s id for this payment; unique so a webhook delivered twice records once.';
comment on column booking.payments.idempotency_key is 'Idempotency-Key under which the payment was recorded, if any.';

-- Balance due of a booking: price minus succeeded payments (refunded ones no longer count).
create function booking.balance_due(p_booking_id bigint) returns bigint
  language sql stable parallel safe
  as $$
    select b.price_minor - coalesce(sum(p.amount_minor) filter (where p.status = 'succeeded'), 0)
      from booking.bookings b
      left join booking.payments p on p.booking_id = b.id
     where b.id = p_booking_id
     group by b.id
  $$;

-- BEFORE INSERT OR UPDATE OF status, amount_minor: succeeded payments may not exceed the price.
-- Locks the booking row so that two concurrent payments (or a payment and a confirm) serialize.
create function booking.payments_check_balance() returns trigger
  language plpgsql
  as $$
declare
  due bigint;
begin
  perform 1 from booking.bookings where id = new.booking_id for update;
  if new.status = 'succeeded' then
    due := booking.balance_due(new.booking_id)
           + case when tg_op = 'UPDATE' and old.status = 'succeeded' then old.amount_minor else 0 end;
    if new.amount_minor > due then
      raise exception 'payment of % exceeds balance due %', new.amount_minor, due
        using errcode = 'check_violation', schema = 'booking', table = 'payments',
              constraint = 'payments_not_over_balance';
    end if;
  end if;
  return new;
end
$$;

create trigger payments_check_balance
  before insert or update of status, amount_minor on booking.payments
  for each row execute function booking.payments_check_balance();

------------------------------------------------------------------------------------------------
-- idempotency keys (HTTP layer; one table per project, shape shared with src/lib/idempotency.ts)
------------------------------------------------------------------------------------------------

create table booking.idempotency_keys (
  scope           text not null,
  key             text not null,
  request_hash    text not null,
  response_status integer,
  response_body   jsonb,
  created_at      timestamptz not null default now(),
  constraint idempotency_keys_pkey primary key (scope, key),
  constraint idempotency_keys_key_length check (char_length(key) between 1 and 255)
);
comment on table booking.idempotency_keys is 'First successful response per (scope, Idempotency-Key), replayed for an identical request; stored in the same transaction as the write it describes.';
comment on column booking.idempotency_keys.scope is 'What the key was used for, e.g. ''POST /booking/bookings''.';
comment on column booking.idempotency_keys.response_status is 'HTTP status of the first response; null only inside the transaction that claimed the key.';
comment on column booking.idempotency_keys.request_hash is 'SHA-256 of the canonical request body; a different body under the same key is refused.';

-- What a reader should see: a held booking whose hold lapsed is expired even before
-- create_booking or expire_holds has written that down.
create function booking.effective_status(b booking.bookings) returns booking.booking_status
  language sql stable parallel safe
  as $$ select case when b.status = 'held' and b.hold_expires_at <= now() then 'expired'::booking.booking_status
                    else b.status end $$;
comment on function booking.effective_status(booking.bookings) is 'status, except that a lapsed hold reads as expired.';
