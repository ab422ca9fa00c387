// /booking over HTTP: every endpoint's success and error paths, problem+json, Idempotency-Key replays.
import t from 'tap';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';

const { sql } = await testDb(t);
const { request } = await testServer(t, sql, { admin: true });

type Json = Record<string, any>;
async function call(method: string, path: string, json?: unknown, headers: Record<string, string> = {}) {
  const res = await request(path, { method, json, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Json };
}

const room = await call('POST', '/booking/resources', {
  name: 'Room 1',
  timeZone: 'Europe/Berlin',
  minMinutes: 30,
  maxMinutes: 240,
  bufferAfterMinutes: 15,
});
const roomId = room.body.id as number;
const paid = await call('POST', '/booking/resources', {
  name: 'Court',
  timeZone: 'America/New_York',
  requiresPayment: true,
  priceMinor: 2500,
  currency: 'USD',
});
const paidId = paid.body.id as number;

t.test('resources', async (t) => {
  t.equal(room.status, 201);
  t.equal(room.headers.get('location'), `/booking/resources/${roomId}`);
  t.match(room.body, {
    name: 'Room 1',
    timeZone: 'Europe/Berlin',
    minMinutes: 30,
    maxMinutes: 240,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 15,
    requiresPayment: false,
    priceMinor: 0,
    currency: null,
    windows: [],
  });
  t.match(paid.body, { requiresPayment: true, priceMinor: 2500, currency: 'USD' });
  const got = await call('GET', `/booking/resources/${roomId}`);
  t.same(got.body, room.body);

  const missing = await call('POST', '/booking/resources', { timeZone: 'UTC' });
  t.equal(missing.status, 400);
  t.match(missing.body, { errors: [{ in: 'body', field: 'name' }] });
  t.equal(missing.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  const badZone = await call('POST', '/booking/resources', { name: 'x', timeZone: 'Mars/Olympus' });
  t.equal(badZone.status, 422);
  t.match(badZone.body, { constraint: 'resources_time_zone_valid', errors: [{ field: 'timeZone' }] });
  t.match(await call('POST', '/booking/resources', { name: 'x', timeZone: 'UTC', requiresPayment: true }), {
    status: 422,
    body: { constraint: 'resources_payment_needs_price' },
  });
  t.match(await call('POST', '/booking/resources', { name: 'x', timeZone: 'UTC', currency: 'usd' }), { status: 400 });
  t.equal((await call('GET', '/booking/resources/999999')).status, 404);
  t.equal((await call('GET', '/booking/resources/abc')).status, 400);
});

t.test('availability, blackouts, slots, utilisation', async (t) => {
  const put = await call('PUT', `/booking/resources/${roomId}/availability`, {
    windows: [
      { weekday: 1, start: '09:00', end: '17:00' },
      { weekday: 0, start: '00:00', end: '24:00' },
    ],
  });
  t.equal(put.status, 200);
  t.same(put.body.windows, [
    { weekday: 0, start: '00:00', end: '24:00' },
    { weekday: 1, start: '09:00', end: '17:00' },
  ]);
  t.match(
    await call('PUT', `/booking/resources/${roomId}/availability`, {
      windows: [{ weekday: 1, start: '9:00', end: '17:00' }],
    }),
    { status: 400, body: { errors: [{ field: 'windows.0.start' }] } },
  );
  t.match(
    await call('PUT', `/booking/resources/${roomId}/availability`, {
      windows: [{ weekday: 1, start: '10:00', end: '09:00' }],
    }),
    { status: 422, body: { constraint: 'availability_windows_start_before_end' } },
  );
  t.match(
    await call('PUT', `/booking/resources/${roomId}/availability`, {
      windows: [
        { weekday: 1, start: '09:00', end: '12:00' },
        { weekday: 1, start: '11:00', end: '12:00' },
      ],
    }),
    { status: 409, body: { constraint: 'availability_windows_no_overlap' } },
  );
  t.equal((await call('PUT', '/booking/resources/999999/availability', { windows: [] })).status, 404);

  const blackout = await call('POST', `/booking/resources/${roomId}/blackouts`, {
    start: '2027-03-29T13:00:00Z',
    end: '2027-03-29T15:00:00Z',
    reason: 'cleaning',
  });
  t.match(blackout, {
    status: 201,
    body: {
      resourceId: roomId,
      start: '2027-03-29T13:00:00.000Z',
      end: '2027-03-29T15:00:00.000Z',
      reason: 'cleaning',
    },
  });
  t.match(
    await call('POST', `/booking/resources/${roomId}/blackouts`, {
      start: '2027-03-29T15:00:00Z',
      end: '2027-03-29T13:00:00Z',
    }),
    { status: 422, body: { constraint: 'blackouts_period_bounded' } },
  );
  t.match(
    await call('POST', '/booking/resources/999999/blackouts', {
      start: '2027-03-29T13:00:00Z',
      end: '2027-03-29T15:00:00Z',
    }),
    { status: 422, body: { constraint: 'blackouts_resource_id_fkey' } },
  );

  // Sunday 2027-03-28 is the Berlin spring-forward day: 23 one-hour slots.
  const slots = await call('GET', `/booking/resources/${roomId}/slots?from=2027-03-28&to=2027-03-29&minutes=120`);
  t.equal(slots.status, 200);
  const sunday = slots.body.filter((s: Json) => s.localStart.startsWith('2027-03-28'));
  t.equal(sunday.length, 11, '23 hours hold eleven 2-hour slots');
  t.same(
    sunday.slice(0, 2).map((s: Json) => s.localStart),
    ['2027-03-28T00:00', '2027-03-28T03:00'],
    'no 02:00 that day',
  );
  const monday = slots.body.filter((s: Json) => s.localStart.startsWith('2027-03-29')).map((s: Json) => s.localStart);
  t.same(
    monday,
    ['2027-03-29T09:00', '2027-03-29T11:00', '2027-03-29T13:00'],
    'the blackout (15:00-17:00 local) takes the last',
  );
  t.match(slots.body[0], {
    start: '2027-03-27T23:00:00.000Z',
    end: '2027-03-28T01:00:00.000Z',
    localStart: '2027-03-28T00:00',
  });
  t.match(await call('GET', `/booking/resources/${roomId}/slots?from=2027-03-28&to=2027-03-29`), {
    status: 400,
    body: { errors: [{ in: 'query', field: 'minutes' }] },
  });
  t.match(await call('GET', `/booking/resources/${roomId}/slots?from=2027-03-28&to=2027-03-29&minutes=10`), {
    status: 422,
    body: { constraint: 'bookings_length_within_limits' },
  });
  t.match(await call('GET', `/booking/resources/${roomId}/slots?from=2027-03-29&to=2027-03-28&minutes=60`), {
    status: 422,
    body: { constraint: 'date_range' },
  });
  t.match(await call('GET', `/booking/resources/${roomId}/slots?from=2027-02-30&to=2027-03-28&minutes=60`), {
    status: 400,
  });
  t.equal((await call('GET', '/booking/resources/999999/slots?from=2027-03-28&to=2027-03-29&minutes=60')).status, 404);

  // The cap is on candidate slots (days x 1440 / minutes), refused before the statement runs:
  // 62 days of 1-minute slots would be some 89,000 rows.
  const fine = await call('POST', '/booking/resources', { name: 'Per minute', timeZone: 'UTC', minMinutes: 1 });
  await call('PUT', `/booking/resources/${fine.body.id}/availability`, {
    windows: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })),
  });
  t.match(await call('GET', `/booking/resources/${fine.body.id}/slots?from=2027-01-01&to=2027-03-03&minutes=1`), {
    status: 422,
    body: { constraint: 'slot_count', errors: [{ field: 'minutes' }] },
  });
  // 6 days x 1440 = 8,640 candidates: under the cap of 10,000, served whole.
  const week = await call('GET', `/booking/resources/${fine.body.id}/slots?from=2027-01-01&to=2027-01-06&minutes=1`);
  t.equal(week.status, 200);
  t.equal(week.body.length, 8640);
  // 7 days x 1440 = 10,080: one day too many at 1 minute, fine at 2.
  t.match(await call('GET', `/booking/resources/${fine.body.id}/slots?from=2027-01-01&to=2027-01-07&minutes=1`), {
    status: 422,
    body: { constraint: 'slot_count' },
  });
  t.equal(
    (await call('GET', `/booking/resources/${fine.body.id}/slots?from=2027-01-01&to=2027-01-07&minutes=2`)).body.length,
    5040,
  );

  const util = await call('GET', `/booking/resources/${roomId}/utilisation?from=2027-03-28&to=2027-03-29`);
  t.same(util.body, [
    { date: '2027-03-28', availableMinutes: 1380, bookedMinutes: 0, utilisation: 0 },
    { date: '2027-03-29', availableMinutes: 360, bookedMinutes: 0, utilisation: 0 },
  ]);
  t.equal((await call('GET', '/booking/resources/999999/utilisation?from=2027-03-28&to=2027-03-29')).status, 404);
});

t.test('bookings: create, conflicts, validation, transitions', async (t) => {
  const body = {
    resourceId: roomId,
    start: '2027-03-29T07:00:00Z',
    end: '2027-03-29T08:00:00Z',
    customerEmail: 'ann@example.com',
  };
  const a = await call('POST', '/booking/bookings', body);
  t.equal(a.status, 201);
  t.equal(a.headers.get('location'), `/booking/bookings/${a.body.id}`);
  t.match(a.body, {
    resourceId: roomId,
    customerEmail: 'ann@example.com',
    start: body.start.replace('Z', '.000Z'),
    end: '2027-03-29T08:00:00.000Z',
    status: 'pending',
    holdExpiresAt: null,
    priceMinor: 0,
    balanceDueMinor: 0,
  });

  const clash = await call('POST', '/booking/bookings', {
    ...body,
    start: '2027-03-29T08:00:00Z',
    end: '2027-03-29T09:00:00Z',
    customerEmail: 'bob@example.com',
  });
  t.equal(clash.status, 409, 'inside the 15-minute buffer after a');
  t.match(clash.body, {
    title: 'Overlaps an active booking',
    constraint: 'bookings_no_overlap',
    conflicts: [{ id: a.body.id, start: '2027-03-29T07:00:00.000Z', end: '2027-03-29T08:00:00.000Z' }],
  });
  t.notMatch(JSON.stringify(clash.body), /ann@example/, 'the conflict does not leak the other customer');

  const cases: [Json, number, string | undefined][] = [
    [{ ...body, start: '2027-03-29T05:00:00Z', end: '2027-03-29T06:00:00Z' }, 422, 'bookings_within_availability'],
    [{ ...body, start: '2027-03-29T13:30:00Z', end: '2027-03-29T14:30:00Z' }, 422, 'bookings_outside_blackouts'],
    [{ ...body, start: '2027-03-29T10:00:00Z', end: '2027-03-29T10:10:00Z' }, 422, 'bookings_length_within_limits'],
    [{ ...body, start: '2027-03-29T10:00:00Z', end: '2027-03-29T09:00:00Z' }, 422, 'bookings_period_bounded'],
    [{ ...body, resourceId: 999999 }, 422, 'bookings_resource_id_fkey'],
    [{ ...body, start: '2027-03-29 10:00' }, 400, undefined],
    [{ ...body, start: '2027-03-29T10:00:00' }, 400, undefined],
    [{ ...body, customerEmail: 'nope' }, 400, undefined],
    [{ ...body, extra: 1 }, 400, undefined],
  ];
  for (const [input, status, constraint] of cases) {
    const r = await call('POST', '/booking/bookings', input);
    t.equal(r.status, status, JSON.stringify(input));
    if (constraint) t.equal(r.body.constraint, constraint);
  }

  const got = await call('GET', `/booking/bookings/${a.body.id}`);
  t.same(got.body, a.body);
  t.equal((await call('GET', '/booking/bookings/999999')).status, 404);

  const held = await call('POST', '/booking/bookings', {
    ...body,
    start: '2027-03-29T10:00:00Z',
    end: '2027-03-29T11:00:00Z',
    hold: true,
    holdMinutes: 5,
  });
  t.match(held.body, { status: 'held' });
  t.ok(Date.parse(held.body.holdExpiresAt) > Date.now());

  t.match(await call('POST', `/booking/bookings/${a.body.id}/complete`), {
    status: 409,
    body: { title: 'Illegal status change', constraint: 'bookings_status_transition' },
  });
  t.match(await call('POST', `/booking/bookings/${a.body.id}/confirm`), { status: 200, body: { status: 'confirmed' } });
  t.match(
    await call('POST', `/booking/bookings/${a.body.id}/confirm`),
    { status: 200, body: { status: 'confirmed' } },
    'confirming twice is a no-op',
  );
  t.match(await call('POST', `/booking/bookings/${a.body.id}/no-show`), { status: 200, body: { status: 'no_show' } });
  t.match(await call('POST', `/booking/bookings/${a.body.id}/cancel`), { status: 409 });
  t.match(await call('POST', `/booking/bookings/${held.body.id}/cancel`), {
    status: 200,
    body: { status: 'cancelled' },
  });
  const c = await call('POST', '/booking/bookings', {
    ...body,
    start: '2027-03-29T12:00:00Z',
    end: '2027-03-29T12:30:00Z',
  });
  await call('POST', `/booking/bookings/${c.body.id}/confirm`);
  t.match(await call('POST', `/booking/bookings/${c.body.id}/complete`), {
    status: 200,
    body: { status: 'completed' },
  });
  for (const verb of ['confirm', 'cancel', 'complete', 'no-show']) {
    t.equal((await call('POST', `/booking/bookings/999999/${verb}`)).status, 404, verb);
  }

  const mine = await call('GET', '/booking/customers/ANN@example.com/bookings');
  t.equal(mine.status, 200);
  t.same(
    mine.body.map((b: Json) => b.status),
    [],
    'no-show, cancelled, completed are not upcoming',
  );
  await call('POST', '/booking/bookings', { ...body, start: '2027-03-29T09:00:00Z', end: '2027-03-29T10:00:00Z' });
  t.same(
    (await call('GET', '/booking/customers/ann@example.com/bookings?limit=10')).body.map((b: Json) => b.start),
    ['2027-03-29T09:00:00.000Z'],
  );
  t.equal((await call('GET', '/booking/customers/ann@example.com/bookings?limit=0')).status, 400);
});

t.test('Idempotency-Key on POST /booking/bookings', async (t) => {
  const body = {
    resourceId: roomId,
    start: '2027-04-05T07:00:00Z',
    end: '2027-04-05T08:00:00Z',
    customerEmail: 'idem@example.com',
  };
  const key = { 'idempotency-key': 'book-1' };
  const first = await call('POST', '/booking/bookings', body, key);
  t.equal(first.status, 201);
  t.equal(first.headers.get('idempotent-replayed'), null);
  const again = await call(
    'POST',
    '/booking/bookings',
    { customerEmail: body.customerEmail, end: body.end, start: body.start, resourceId: roomId },
    key,
  );
  t.equal(again.status, 201, 'replayed, not a 409 against itself');
  t.same(again.body, first.body, 'the first response, field order aside');
  t.equal(again.headers.get('idempotent-replayed'), 'true');
  t.equal(again.headers.get('location'), first.headers.get('location'));
  const other = await call('POST', '/booking/bookings', { ...body, end: '2027-04-05T08:30:00Z' }, key);
  t.equal(other.status, 422);
  t.match(other.body, { title: 'Idempotency-Key reused', errors: [{ in: 'header', field: 'idempotency-key' }] });
  const [n] = await sql`select count(*)::int as n from booking.bookings where customer_email = 'idem@example.com'`;
  t.equal(n!.n, 1, 'one booking');

  // A failed request stores nothing: the same key may be retried once the period is free.
  const blocked = await call(
    'POST',
    '/booking/bookings',
    { ...body, customerEmail: 'other@example.com' },
    { 'idempotency-key': 'book-2' },
  );
  t.equal(blocked.status, 409);
  await call('POST', `/booking/bookings/${first.body.id}/cancel`);
  const retried = await call(
    'POST',
    '/booking/bookings',
    { ...body, customerEmail: 'other@example.com' },
    { 'idempotency-key': 'book-2' },
  );
  t.equal(retried.status, 201);
  t.equal(
    (await call('POST', '/booking/bookings', body, { 'idempotency-key': '' })).status,
    400,
    'an empty key is refused',
  );

  // Ten simultaneous requests with one key: one booking, ten identical answers.
  const same = { ...body, start: '2027-04-12T07:00:00Z', end: '2027-04-12T08:00:00Z' };
  const all = await Promise.all(
    Array.from({ length: 10 }, () => call('POST', '/booking/bookings', same, { 'idempotency-key': 'book-3' })),
  );
  t.same(
    all.map((r) => r.status),
    Array(10).fill(201),
  );
  t.equal(new Set(all.map((r) => r.body.id)).size, 1);
  t.equal(all.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 9);
});

t.test('payments and the payment rule', async (t) => {
  const b = await call('POST', '/booking/bookings', {
    resourceId: paidId,
    start: '2027-11-07T14:00:00Z',
    end: '2027-11-07T15:00:00Z',
    customerEmail: 'pay@example.com',
  });
  t.match(b.body, { priceMinor: 2500, currency: 'USD', balanceDueMinor: 2500 });
  const unpaid = await call('POST', `/booking/bookings/${b.body.id}/confirm`);
  t.match(unpaid, {
    status: 409,
    body: { title: 'Payment required before confirming', constraint: 'bookings_paid_before_confirm' },
  });

  const pay = { amountMinor: 1000, currency: 'USD', providerReference: 'ch_1' };
  const key = { 'idempotency-key': 'pay-1' };
  const p1 = await call('POST', `/booking/bookings/${b.body.id}/payments`, pay, key);
  t.match(p1, {
    status: 201,
    body: { bookingId: b.body.id, amountMinor: 1000, currency: 'USD', status: 'succeeded', providerReference: 'ch_1' },
  });
  const replay = await call('POST', `/booking/bookings/${b.body.id}/payments`, pay, key);
  t.same([replay.status, replay.body, replay.headers.get('idempotent-replayed')], [201, p1.body, 'true']);
  t.match(await call('POST', `/booking/bookings/${b.body.id}/payments`, { ...pay, amountMinor: 1500 }, key), {
    status: 422,
  });
  t.match(await call('POST', `/booking/bookings/${b.body.id}/payments`, pay), {
    status: 409,
    body: { constraint: 'payments_provider_reference_key', errors: [{ field: 'providerReference' }] },
  });
  t.match(
    await call('POST', `/booking/bookings/${b.body.id}/payments`, {
      ...pay,
      providerReference: 'ch_2',
      currency: 'EUR',
    }),
    { status: 422, body: { constraint: 'payments_booking_currency_fkey' } },
  );
  t.match(
    await call('POST', `/booking/bookings/${b.body.id}/payments`, {
      ...pay,
      providerReference: 'ch_2',
      amountMinor: 9999,
    }),
    { status: 422, body: { constraint: 'payments_not_over_balance' } },
  );
  t.match(await call('POST', `/booking/bookings/${b.body.id}/payments`, { ...pay, amountMinor: 1.5 }), { status: 400 });
  t.equal((await call('POST', '/booking/bookings/999999/payments', pay)).status, 404);
  t.equal((await call('GET', `/booking/bookings/${b.body.id}`)).body.balanceDueMinor, 1500);

  await call('POST', `/booking/bookings/${b.body.id}/payments`, {
    amountMinor: 1500,
    currency: 'USD',
    providerReference: 'ch_3',
  });
  t.match(await call('POST', `/booking/bookings/${b.body.id}/confirm`), {
    status: 200,
    body: { status: 'confirmed', balanceDueMinor: 0 },
  });
  const list = await call('GET', `/booking/bookings/${b.body.id}/payments`);
  t.same(
    list.body.map((p: Json) => p.providerReference),
    ['ch_1', 'ch_3'],
  );
  t.equal((await call('GET', '/booking/bookings/999999/payments')).status, 404);

  // Failed attempts are not bounded by the balance: the list is capped (default 100, limit at most 1000).
  await sql`
    insert into booking.payments (booking_id, amount_minor, currency, status, provider_reference)
    select ${b.body.id}, 100, 'USD', 'failed', 'fail_' || lpad(g::text, 4, '0') from generate_series(1, 1000) g`;
  const first = await call('GET', `/booking/bookings/${b.body.id}/payments`);
  t.equal(first.body.length, 100, 'the default page');
  t.same(
    first.body.slice(0, 3).map((p: Json) => p.providerReference),
    ['ch_1', 'ch_3', 'fail_0001'],
    'oldest first',
  );
  const most = await call('GET', `/booking/bookings/${b.body.id}/payments?limit=1000`);
  t.equal(most.body.length, 1000, 'at most 1000');
  t.equal(most.body[999].providerReference, 'fail_0998');
  t.match(await call('GET', `/booking/bookings/${b.body.id}/payments?limit=1001`), {
    status: 400,
    body: { errors: [{ in: 'query', field: 'limit' }] },
  });
});

t.test('the routes are in /openapi.json', async (t) => {
  const doc = (await call('GET', '/openapi.json')).body;
  for (const p of [
    '/booking/resources',
    '/booking/resources/{id}',
    '/booking/resources/{id}/availability',
    '/booking/resources/{id}/slots',
    '/booking/bookings',
    '/booking/bookings/{id}',
    '/booking/bookings/{id}/confirm',
    '/booking/bookings/{id}/payments',
    '/booking/customers/{email}/bookings',
  ]) {
    t.ok(doc.paths[p], p);
  }
  t.ok(doc.paths['/booking/bookings'].post.parameters.some((p: Json) => p.name === 'idempotency-key'));
});
