// pg-grind/booking against real PostgreSQL: resources, availability, buffers, holds, the status
// machine, payments, DST slots, utilisation. Concurrency lives in booking-concurrency.ts.
import t from 'tap';
import * as booking from '../../src/lib/booking/index.js';
import {
  CheckViolation,
  ExclusionViolation,
  ForeignKeyViolation,
  InvalidInput,
  NotFound,
  UniqueViolation,
} from '../../src/lib/core/errors.js';
import { testDb } from '../helpers/db.js';

const { sql } = await testDb(t);

/** Monday 2027-01-04 in UTC, plus hours. */
const mon = (h: number, m = 0) => new Date(Date.UTC(2027, 0, 4, h, m)).toISOString();
const reject = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );

t.test('resources: defaults, checks, windows', async (t) => {
  const r = await booking.createResource(sql, { name: 'Room', timeZone: 'Europe/Berlin' });
  t.match(r, {
    name: 'Room',
    time_zone: 'Europe/Berlin',
    min_minutes: 15,
    max_minutes: 480,
    buffer_before_minutes: 0,
    requires_payment: false,
    windows: [],
  });
  t.same(await booking.getResource(sql, r.id), { ...r, windows: [] });
  t.equal(await booking.findResource(sql, 999999), undefined);
  await t.rejects(booking.getResource(sql, 999999), NotFound);
  const bad: [booking.NewResource, string][] = [
    [{ name: '', timeZone: 'UTC' }, 'resources_name_length'],
    [{ name: 'x', timeZone: 'Mars/Olympus' }, 'resources_time_zone_valid'],
    [{ name: 'x', timeZone: 'CEST' }, 'resources_time_zone_valid'],
    [{ name: 'x', timeZone: 'UTC', minMinutes: 0 }, 'resources_min_minutes_positive'],
    [{ name: 'x', timeZone: 'UTC', minMinutes: 60, maxMinutes: 30 }, 'resources_max_minutes_range'],
    [{ name: 'x', timeZone: 'UTC', bufferAfterMinutes: -1 }, 'resources_buffer_after_range'],
    [{ name: 'x', timeZone: 'UTC', bufferBeforeMinutes: 2000 }, 'resources_buffer_before_range'],
    [{ name: 'x', timeZone: 'UTC', priceMinor: 100 }, 'resources_price_has_currency'],
    [{ name: 'x', timeZone: 'UTC', priceMinor: 100, currency: 'eur' }, 'resources_currency_iso'],
    [{ name: 'x', timeZone: 'UTC', requiresPayment: true }, 'resources_payment_needs_price'],
  ];
  for (const [input, constraint] of bad) {
    const err = await reject(booking.createResource(sql, input));
    t.type(err, CheckViolation, constraint);
    t.match(err, { code: '23514', constraint, schema: 'booking' });
  }

  const after = await booking.replaceAvailability(sql, r.id, [
    { weekday: 2, start: '09:00', end: '12:00' },
    { weekday: 1, start: '13:00', end: '24:00' },
    { weekday: 1, start: '09:00', end: '13:00' },
  ]);
  t.same(after.windows, [
    { weekday: 1, start: '09:00', end: '13:00' },
    { weekday: 1, start: '13:00', end: '24:00' },
    { weekday: 2, start: '09:00', end: '12:00' },
  ]);
  const replaced = await booking.replaceAvailability(sql, r.id, [{ weekday: 3, start: '08:00', end: '10:00' }]);
  t.same(replaced.windows, [{ weekday: 3, start: '08:00', end: '10:00' }], 'replaces the set');
  t.same((await booking.replaceAvailability(sql, r.id, [])).windows, [], 'an empty set clears');
  await t.rejects(booking.replaceAvailability(sql, 999999, []), NotFound);
  t.match(await reject(booking.replaceAvailability(sql, r.id, [{ weekday: 1, start: '10:00', end: '09:00' }])), {
    name: 'CheckViolation',
    constraint: 'availability_windows_start_before_end',
  });
  t.match(
    await reject(
      booking.replaceAvailability(sql, r.id, [
        { weekday: 1, start: '09:00', end: '12:00' },
        { weekday: 1, start: '11:00', end: '13:00' },
      ]),
    ),
    { name: 'ExclusionViolation', constraint: 'availability_windows_no_overlap' },
  );
  t.match(await reject(booking.replaceAvailability(sql, r.id, [{ weekday: 7, start: '09:00', end: '12:00' }])), {
    constraint: 'availability_windows_weekday_range',
  });
  t.type(
    await reject(booking.replaceAvailability(sql, r.id, [{ weekday: 1, start: '25:00', end: '26:00' }])),
    InvalidInput,
  );
  t.same((await booking.getResource(sql, r.id)).windows, [], 'a failed replacement changes nothing');
});

t.test('bookings: overlap, buffers, availability, blackouts, length', async (t) => {
  const r = await booking.createResource(sql, {
    name: 'Court',
    timeZone: 'UTC',
    minMinutes: 30,
    maxMinutes: 120,
    bufferBeforeMinutes: 10,
    bufferAfterMinutes: 15,
  });
  await booking.replaceAvailability(sql, r.id, [{ weekday: 1, start: '08:00', end: '18:00' }]);
  const a = await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'Ann@Example.com',
    start: mon(10),
    end: mon(11),
  });
  t.match(a, {
    status: 'pending',
    hold_expires_at: null,
    price_minor: '0',
    balance_due_minor: '0',
    customer_email: 'Ann@Example.com',
  });
  t.same([a.start_at.toISOString(), a.end_at.toISOString()], [mon(10), mon(11)]);
  t.same(await booking.getBooking(sql, a.id), a);
  await t.rejects(booking.getBooking(sql, 999999), NotFound);

  const overlap = await reject(
    booking.createBooking(sql, { resourceId: r.id, customerEmail: 'b@x.io', start: mon(10, 30), end: mon(11, 30) }),
  );
  t.type(overlap, booking.BookingConflict);
  t.type(overlap, ExclusionViolation, 'still an ExclusionViolation');
  t.match(overlap, { code: '23P01', constraint: 'bookings_no_overlap', conflicts: [{ id: a.id }] });
  // a ends 11:00 + 15 min after-buffer; b's before-buffer is 10 min: b may start at 11:25, not 11:20.
  t.match(
    await reject(
      booking.createBooking(sql, { resourceId: r.id, customerEmail: 'b@x.io', start: mon(11, 20), end: mon(12) }),
    ),
    { constraint: 'bookings_no_overlap' },
    'buffers widen the blocked period',
  );
  const b = await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'b@x.io',
    start: mon(11, 25),
    end: mon(12),
  });
  t.equal(b.status, 'pending', 'back to back once the buffers fit');
  t.match(
    await reject(
      booking.createBooking(sql, { resourceId: r.id, customerEmail: 'c@x.io', start: mon(9), end: mon(9, 45) }),
    ),
    { constraint: 'bookings_no_overlap' },
    'the before-buffer of a (9:50) is hit by an end at 9:45 + 15',
  );
  t.ok(
    await booking.createBooking(sql, { resourceId: r.id, customerEmail: 'c@x.io', start: mon(9), end: mon(9, 35) }),
    '9:35 + 15 = 9:50 touches, does not overlap',
  );

  const cases: [string, string, string][] = [
    [mon(7), mon(8), 'bookings_within_availability'],
    [mon(17, 30), mon(18, 30), 'bookings_within_availability'],
    [mon(14), mon(14, 20), 'bookings_length_within_limits'],
    [mon(13), mon(15, 1), 'bookings_length_within_limits'],
    [
      new Date(Date.UTC(2027, 0, 5, 10)).toISOString(),
      new Date(Date.UTC(2027, 0, 5, 11)).toISOString(),
      'bookings_within_availability',
    ],
  ];
  for (const [start, end, constraint] of cases) {
    t.match(
      await reject(booking.createBooking(sql, { resourceId: r.id, customerEmail: 'd@x.io', start, end })),
      { name: 'CheckViolation', code: '23514', constraint },
      `${start} .. ${end}`,
    );
  }
  t.match(
    await reject(
      booking.createBooking(sql, { resourceId: r.id, customerEmail: 'd@x.io', start: mon(14), end: mon(14) }),
    ),
    { name: 'CheckViolation', constraint: 'bookings_period_bounded' },
  );
  t.match(
    await reject(
      booking.createBooking(sql, { resourceId: r.id, customerEmail: 'd@x.io', start: mon(15), end: mon(14) }),
    ),
    { name: 'CheckViolation', constraint: 'bookings_period_bounded' },
  );
  t.match(
    await reject(
      booking.createBooking(sql, { resourceId: r.id, customerEmail: 'not-an-email', start: mon(14), end: mon(15) }),
    ),
    { constraint: 'bookings_customer_email_format' },
  );
  const noResource = await reject(
    booking.createBooking(sql, { resourceId: 999999, customerEmail: 'd@x.io', start: mon(14), end: mon(15) }),
  );
  t.type(noResource, ForeignKeyViolation);
  t.match(noResource, { constraint: 'bookings_resource_id_fkey' });

  const blackout = await booking.createBlackout(sql, r.id, { start: mon(15), end: mon(16), reason: 'maintenance' });
  t.match(blackout, { resource_id: r.id, reason: 'maintenance' });
  t.match(
    await reject(
      booking.createBooking(sql, { resourceId: r.id, customerEmail: 'd@x.io', start: mon(15, 30), end: mon(16, 30) }),
    ),
    { constraint: 'bookings_outside_blackouts' },
  );
  t.match(await reject(booking.createBlackout(sql, r.id, { start: mon(16), end: mon(15) })), {
    constraint: 'blackouts_period_bounded',
  });
  t.ok(
    await booking.createBooking(sql, { resourceId: r.id, customerEmail: 'd@x.io', start: mon(16, 15), end: mon(17) }),
    'right after the blackout',
  );

  const keyed = await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'e@x.io',
    start: mon(13),
    end: mon(14),
    idempotencyKey: 'k-1',
  });
  t.ok(keyed);
  t.type(
    await reject(
      booking.createBooking(sql, {
        resourceId: r.id,
        customerEmail: 'e@x.io',
        start: mon(14, 30),
        end: mon(15),
        idempotencyKey: 'k-1',
      }),
    ),
    UniqueViolation,
  );

  const [check] = await sql`select count(*)::int as n from booking.bookings x join booking.bookings y
    on x.resource_id = y.resource_id and x.id < y.id and x.period && y.period where x.resource_id = ${r.id}`;
  t.equal(check!.n, 0, 'no two bookings share a minute');
});

t.test('a resource without windows is open around the clock; cancelled bookings free their period', async (t) => {
  const r = await booking.createResource(sql, { name: 'Always', timeZone: 'Asia/Tokyo', maxMinutes: 1440 });
  const a = await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'a@x.io',
    start: mon(23),
    end: '2027-01-05T03:00:00Z',
  });
  t.equal(a.status, 'pending', 'across midnight, UTC and local');
  await t.rejects(
    booking.createBooking(sql, { resourceId: r.id, customerEmail: 'b@x.io', start: mon(22), end: mon(23, 30) }),
    booking.BookingConflict,
  );
  t.equal((await booking.cancelBooking(sql, a.id)).status, 'cancelled');
  t.equal(
    (await booking.createBooking(sql, { resourceId: r.id, customerEmail: 'b@x.io', start: mon(22), end: mon(23, 30) }))
      .status,
    'pending',
  );
});

t.test('holds: a lapsed hold never blocks, reads as expired, cannot be confirmed', async (t) => {
  const r = await booking.createResource(sql, { name: 'Desk', timeZone: 'UTC', bufferAfterMinutes: 30 });
  const hold = await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'h@x.io',
    start: mon(10),
    end: mon(11),
    holdMinutes: 10,
  });
  t.equal(hold.status, 'held');
  t.ok(hold.hold_expires_at! > new Date(), 'expires in the future');
  await t.rejects(
    booking.createBooking(sql, { resourceId: r.id, customerEmail: 'x@x.io', start: mon(10), end: mon(11) }),
    booking.BookingConflict,
    'a live hold blocks',
  );

  // Let the hold lapse (the test cannot wait ten minutes).
  await sql`update booking.bookings set hold_expires_at = now() - interval '1 second' where id = ${hold.id}`;
  t.equal((await booking.getBooking(sql, hold.id)).status, 'expired', 'reads as expired before anyone writes it');
  const [raw] = await sql`select status from booking.bookings where id = ${hold.id}`;
  t.equal(raw!.status, 'held', 'still held in the table');
  const err = await reject(booking.confirmBooking(sql, hold.id));
  t.type(err, booking.IllegalTransition);
  t.match(err, { code: booking.ILLEGAL_TRANSITION, constraint: 'bookings_hold_expired' });

  // Overlapping only through the buffer: the lapsed hold is expired by the same statement.
  const b = await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'x@x.io',
    start: mon(11, 15),
    end: mon(12),
  });
  t.equal(b.status, 'pending');
  const [after] = await sql`select status from booking.bookings where id = ${hold.id}`;
  t.equal(after!.status, 'expired', 'create_booking wrote the expiry');

  const other = await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'h@x.io',
    start: mon(14),
    end: mon(15),
    holdMinutes: 5,
  });
  await sql`update booking.bookings set hold_expires_at = now() - interval '1 second' where id = ${other.id}`;
  t.same(await booking.expireHolds(sql), [other.id], 'housekeeping expires what is left');
  t.same(await booking.expireHolds(sql), []);
});

t.test('status machine: every legal and illegal transition', async (t) => {
  const r = await booking.createResource(sql, { name: 'Machine', timeZone: 'UTC', maxMinutes: 60 });
  const statuses: booking.BookingStatus[] = [
    'held',
    'pending',
    'confirmed',
    'completed',
    'cancelled',
    'expired',
    'no_show',
  ];
  const legal = new Set([
    'held>pending',
    'held>confirmed',
    'held>cancelled',
    'held>expired',
    'pending>confirmed',
    'pending>cancelled',
    'confirmed>completed',
    'confirmed>cancelled',
    'confirmed>no_show',
  ]);
  // Paths that put a booking in each status.
  const paths: Record<booking.BookingStatus, booking.BookingStatus[]> = {
    held: [],
    pending: [],
    confirmed: ['confirmed'],
    completed: ['confirmed', 'completed'],
    cancelled: ['cancelled'],
    expired: ['expired'],
    no_show: ['confirmed', 'no_show'],
  };
  let slot = 0;
  for (const from of statuses) {
    for (const to of statuses) {
      if (from === to) continue;
      const start = new Date(Date.UTC(2028, 0, 1) + slot++ * 3_600_000);
      const b = await booking.createBooking(sql, {
        resourceId: r.id,
        customerEmail: 'm@x.io',
        start,
        end: new Date(start.getTime() + 1_800_000),
        holdMinutes: from === 'held' || from === 'expired' ? 30 : undefined,
      });
      for (const step of paths[from]) await booking.transitionBooking(sql, b.id, step);
      if (legal.has(`${from}>${to}`)) {
        t.equal((await booking.transitionBooking(sql, b.id, to)).status, to, `${from} -> ${to}`);
      } else {
        const err = await reject(booking.transitionBooking(sql, b.id, to));
        t.type(err, booking.IllegalTransition, `${from} -> ${to} refused`);
        t.match(err, { code: 'BK001', constraint: 'bookings_status_transition' });
      }
    }
  }
  t.equal(slot, 42);
  await t.rejects(booking.confirmBooking(sql, 999999), NotFound);
  const b = await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'm@x.io',
    start: '2029-01-01T10:00:00Z',
    end: '2029-01-01T11:00:00Z',
  });
  t.equal((await booking.confirmBooking(sql, b.id)).status, 'confirmed');
  t.equal((await booking.completeBooking(sql, b.id)).status, 'completed');
  const c = await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'm@x.io',
    start: '2029-01-01T12:00:00Z',
    end: '2029-01-01T13:00:00Z',
  });
  await booking.confirmBooking(sql, c.id);
  t.equal((await booking.markNoShow(sql, c.id)).status, 'no_show');
  t.ok((await booking.getBooking(sql, c.id)).updated_at > c.updated_at, 'updated_at moves');
});

t.test('payments: minor units, currency, balance, paid before confirm', async (t) => {
  const r = await booking.createResource(sql, {
    name: 'Paid',
    timeZone: 'UTC',
    requiresPayment: true,
    priceMinor: 2500,
    currency: 'EUR',
  });
  const b = await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'p@x.io',
    start: mon(10),
    end: mon(11),
  });
  t.match(b, { price_minor: '2500', currency: 'EUR', balance_due_minor: '2500' });
  const unpaid = await reject(booking.confirmBooking(sql, b.id));
  t.type(unpaid, booking.PaymentRequired);
  t.match(unpaid, { code: booking.PAYMENT_REQUIRED, constraint: 'bookings_paid_before_confirm' });

  const p1 = await booking.createPayment(sql, b.id, {
    amountMinor: 1000,
    currency: 'EUR',
    providerReference: 'pi_1',
    idempotencyKey: 'pay-1',
  });
  t.match(p1, {
    booking_id: b.id,
    amount_minor: '1000',
    currency: 'EUR',
    status: 'succeeded',
    provider_reference: 'pi_1',
  });
  t.equal((await booking.getBooking(sql, b.id)).balance_due_minor, '1500');
  await t.rejects(booking.confirmBooking(sql, b.id), booking.PaymentRequired, 'partly paid is not paid');

  t.match(
    await reject(booking.createPayment(sql, b.id, { amountMinor: 1500, currency: 'USD', providerReference: 'pi_2' })),
    { name: 'ForeignKeyViolation', constraint: 'payments_booking_currency_fkey' },
  );
  t.match(
    await reject(booking.createPayment(sql, b.id, { amountMinor: 1500, currency: 'EUR', providerReference: 'pi_1' })),
    { name: 'UniqueViolation', constraint: 'payments_provider_reference_key' },
  );
  t.match(
    await reject(
      booking.createPayment(sql, b.id, {
        amountMinor: 1500,
        currency: 'EUR',
        providerReference: 'pi_9',
        idempotencyKey: 'pay-1',
      }),
    ),
    { name: 'UniqueViolation', constraint: 'payments_idempotency_key_key' },
  );
  t.match(
    await reject(booking.createPayment(sql, b.id, { amountMinor: 1501, currency: 'EUR', providerReference: 'pi_3' })),
    { name: 'CheckViolation', constraint: 'payments_not_over_balance' },
  );
  t.match(
    await reject(booking.createPayment(sql, b.id, { amountMinor: 0, currency: 'EUR', providerReference: 'pi_4' })),
    { name: 'CheckViolation', constraint: 'payments_amount_positive' },
  );
  await t.rejects(
    booking.createPayment(sql, 999999, { amountMinor: 1, currency: 'EUR', providerReference: 'pi_5' }),
    NotFound,
  );

  const failed = await booking.createPayment(sql, b.id, {
    amountMinor: 1500,
    currency: 'EUR',
    status: 'failed',
    providerReference: 'pi_6',
  });
  t.equal(failed.status, 'failed');
  t.equal((await booking.getBooking(sql, b.id)).balance_due_minor, '1500', 'failed payments do not count');
  await booking.createPayment(sql, b.id, { amountMinor: 1500, currency: 'EUR', providerReference: 'pi_7' });
  t.equal((await booking.getBooking(sql, b.id)).balance_due_minor, '0');
  t.equal((await booking.confirmBooking(sql, b.id)).status, 'confirmed', 'paid in full confirms');
  t.same(
    (await booking.listPayments(sql, b.id)).map((p) => p.provider_reference),
    ['pi_1', 'pi_6', 'pi_7'],
  );
  await t.rejects(booking.listPayments(sql, 999999), NotFound);

  // A refund puts the balance back (the booking stays confirmed: the rule guards confirming).
  await sql`update booking.payments set status = 'refunded' where provider_reference = 'pi_7'`;
  t.equal((await booking.getBooking(sql, b.id)).balance_due_minor, '1500');

  const free = await booking.createResource(sql, { name: 'Free', timeZone: 'UTC' });
  const fb = await booking.createBooking(sql, {
    resourceId: free.id,
    customerEmail: 'p@x.io',
    start: mon(10),
    end: mon(11),
  });
  t.equal((await booking.confirmBooking(sql, fb.id)).status, 'confirmed', 'no payment needed');
});

t.test('slots in the resource time zone, across DST', async (t) => {
  const berlin = await booking.createResource(sql, { name: 'Berlin', timeZone: 'Europe/Berlin', maxMinutes: 600 });
  await booking.replaceAvailability(
    sql,
    berlin.id,
    [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '00:00', end: '06:00' })),
  );
  // 2027-03-28: clocks jump from 02:00 to 03:00 in Berlin; the 00:00-06:00 window is five hours long.
  const spring = await booking.listSlots(sql, berlin.id, { from: '2027-03-28', to: '2027-03-28', minutes: 60 });
  t.same(
    spring.map((s) => s.local_start),
    ['2027-03-28T00:00', '2027-03-28T01:00', '2027-03-28T03:00', '2027-03-28T04:00', '2027-03-28T05:00'],
  );
  t.same(
    spring.map((s) => s.start_at.toISOString()),
    [
      '2027-03-27T23:00:00.000Z',
      '2027-03-28T00:00:00.000Z',
      '2027-03-28T01:00:00.000Z',
      '2027-03-28T02:00:00.000Z',
      '2027-03-28T03:00:00.000Z',
    ],
  );
  const dayBefore = await booking.listSlots(sql, berlin.id, { from: '2027-03-27', to: '2027-03-27', minutes: 60 });
  t.equal(dayBefore.length, 6);
  t.equal(dayBefore[0]!.start_at.toISOString(), '2027-03-26T23:00:00.000Z', '+01:00 before the change');
  // 2027-10-31: 03:00 falls back to 02:00; the window holds seven hours, 02:00 twice.
  const autumn = await booking.listSlots(sql, berlin.id, { from: '2027-10-31', to: '2027-10-31', minutes: 60 });
  t.same(
    autumn.map((s) => s.local_start),
    [
      '2027-10-31T00:00',
      '2027-10-31T01:00',
      '2027-10-31T02:00',
      '2027-10-31T02:00',
      '2027-10-31T03:00',
      '2027-10-31T04:00',
      '2027-10-31T05:00',
    ],
  );

  const ny = await booking.createResource(sql, {
    name: 'NY',
    timeZone: 'America/New_York',
    minMinutes: 30,
    maxMinutes: 240,
  });
  await booking.replaceAvailability(sql, ny.id, [
    { weekday: 0, start: '09:00', end: '11:00' },
    { weekday: 1, start: '09:00', end: '11:00' },
  ]);
  // Saturday 2027-11-06 (no window), Sunday 2027-11-07 (fall back at 02:00), Monday 2027-11-08.
  const slots = await booking.listSlots(sql, ny.id, { from: '2027-11-06', to: '2027-11-08', minutes: 60 });
  t.same(
    slots.map((s) => [s.local_start, s.start_at.toISOString()]),
    [
      ['2027-11-07T09:00', '2027-11-07T14:00:00.000Z'],
      ['2027-11-07T10:00', '2027-11-07T15:00:00.000Z'],
      ['2027-11-08T09:00', '2027-11-08T14:00:00.000Z'],
      ['2027-11-08T10:00', '2027-11-08T15:00:00.000Z'],
    ],
    '09:00 local is 14:00Z after the change',
  );
  const before = await booking.listSlots(sql, ny.id, { from: '2027-10-31', to: '2027-10-31', minutes: 120 });
  t.same(
    before.map((s) => s.start_at.toISOString()),
    ['2027-10-31T13:00:00.000Z'],
    '09:00 EDT is 13:00Z',
  );

  // Bookings (widened by buffers) and blackouts remove slots; a lapsed hold does not.
  await booking.createBooking(sql, {
    resourceId: ny.id,
    customerEmail: 's@x.io',
    start: '2027-11-08T14:00:00Z',
    end: '2027-11-08T15:00:00Z',
  });
  const hold = await booking.createBooking(sql, {
    resourceId: ny.id,
    customerEmail: 's@x.io',
    start: '2027-11-07T15:00:00Z',
    end: '2027-11-07T16:00:00Z',
    holdMinutes: 5,
  });
  await booking.createBlackout(sql, ny.id, { start: '2027-11-07T14:30:00Z', end: '2027-11-07T14:45:00Z' });
  t.same(
    (await booking.listSlots(sql, ny.id, { from: '2027-11-07', to: '2027-11-08', minutes: 60 })).map(
      (s) => s.local_start,
    ),
    ['2027-11-08T10:00'],
    'booked, held and blacked-out slots are gone',
  );
  await sql`update booking.bookings set hold_expires_at = now() - interval '1 second' where id = ${hold.id}`;
  t.same(
    (await booking.listSlots(sql, ny.id, { from: '2027-11-07', to: '2027-11-08', minutes: 60 })).map(
      (s) => s.local_start,
    ),
    ['2027-11-07T10:00', '2027-11-08T10:00'],
    'the lapsed hold frees its slot',
  );

  t.match(await reject(booking.listSlots(sql, ny.id, { from: '2027-11-07', to: '2027-11-08', minutes: 20 })), {
    constraint: 'bookings_length_within_limits',
  });
  t.match(await reject(booking.listSlots(sql, ny.id, { from: '2027-11-08', to: '2027-11-07', minutes: 60 })), {
    constraint: 'date_range',
  });
  t.match(await reject(booking.listSlots(sql, ny.id, { from: '2027-01-01', to: '2027-12-31', minutes: 60 })), {
    constraint: 'date_range',
  });
  await t.rejects(booking.listSlots(sql, 999999, { from: '2027-11-07', to: '2027-11-08', minutes: 60 }), NotFound);
});

t.test('utilisation per local day and upcoming bookings of a customer', async (t) => {
  const r = await booking.createResource(sql, { name: 'Util', timeZone: 'Europe/Berlin', maxMinutes: 600 });
  await booking.replaceAvailability(sql, r.id, [
    { weekday: 0, start: '00:00', end: '24:00' },
    { weekday: 1, start: '09:00', end: '17:00' },
  ]);
  await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'u@x.io',
    start: '2027-03-29T07:00:00Z',
    end: '2027-03-29T09:00:00Z',
  });
  const c = await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'u@x.io',
    start: '2027-03-29T10:00:00Z',
    end: '2027-03-29T11:00:00Z',
  });
  await booking.cancelBooking(sql, c.id);
  const days = await booking.resourceUtilisation(sql, r.id, { from: '2027-03-27', to: '2027-03-29' });
  t.same(
    days,
    [
      { day: '2027-03-27', available_minutes: 0, booked_minutes: 0 },
      { day: '2027-03-28', available_minutes: 23 * 60, booked_minutes: 0 },
      { day: '2027-03-29', available_minutes: 8 * 60, booked_minutes: 120 },
    ],
    'the DST Sunday has 23 hours; cancelled bookings do not count',
  );
  await t.rejects(booking.resourceUtilisation(sql, 999999, { from: '2027-03-27', to: '2027-03-29' }), NotFound);

  const mine = await booking.listCustomerBookings(sql, 'U@X.IO');
  t.same(
    mine.map((b) => b.start_at.toISOString()),
    ['2027-03-29T07:00:00.000Z'],
    'case-insensitive, active only',
  );
  t.same(await booking.listCustomerBookings(sql, 'nobody@x.io'), []);
  await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'u@x.io',
    start: '2000-01-03T09:00:00Z',
    end: '2000-01-03T10:00:00Z',
  });
  t.equal(
    (await booking.listCustomerBookings(sql, 'u@x.io', { limit: 5 })).length,
    1,
    'past bookings are not upcoming',
  );
});

t.test('a caller transaction keeps working after an overlap (savepoint)', async (t) => {
  const r = await booking.createResource(sql, { name: 'Tx', timeZone: 'UTC' });
  const a = await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'a@x.io',
    start: mon(10),
    end: mon(11),
  });
  const result = await sql.begin(async (tx) => {
    const err = await reject(
      booking.createBooking(tx, { resourceId: r.id, customerEmail: 'b@x.io', start: mon(10), end: mon(11) }),
    );
    t.match(err, { name: 'BookingConflict', conflicts: [{ id: a.id }] });
    return booking.createBooking(tx, { resourceId: r.id, customerEmail: 'b@x.io', start: mon(11), end: mon(12) });
  });
  t.equal(result.status, 'pending');
});
