// The claims of pg-grind/booking under real concurrency: simultaneous HTTP requests on separate
// connections, then SQL over the final table. No timing assertions.
import t from 'tap';
import * as booking from '../../src/lib/booking/index.js';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';

// 1,000 HTTP requests under coverage instrumentation on a shared 2-core machine outlast tap's 30 s default.
t.setTimeout(240_000);

const { sql } = await testDb(t, { max: 50 });
const { request } = await testServer(t, sql, { admin: true });

async function post(path: string, json: unknown, headers: Record<string, string> = {}) {
  const res = await request(path, { method: 'POST', json, headers });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** Pairs of active bookings of one resource whose blocked periods overlap (must be none). */
async function overlaps(effective: boolean) {
  const [row] = await sql<{ n: number }[]>`
    with a as (select b.*
                 from booking.bookings b
                where case when ${effective}::boolean then booking.effective_status(b) else b.status end
                      in ('held', 'pending', 'confirmed'))
    select count(*)::int as n
      from a x
      join a y on x.resource_id = y.resource_id and x.id < y.id and x.blocked_period && y.blocked_period`;
  return row!.n;
}

t.test('50 simultaneous requests for overlapping periods: exactly one 201', async (t) => {
  const r = await booking.createResource(sql, { name: 'Hot', timeZone: 'UTC', bufferAfterMinutes: 5 });
  const base = Date.UTC(2027, 5, 1, 10);
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      post('/booking/bookings', {
        resourceId: Number(r.id),
        customerEmail: `c${i}@x.io`,
        start: new Date(base + i * 60_000).toISOString(),
        end: new Date(base + 60 * 60_000 + i * 60_000).toISOString(),
      }),
    ),
  );
  const statuses = results.map((x) => x.status).sort();
  t.equal(statuses.filter((s) => s === 201).length, 1, 'one winner');
  t.equal(statuses.filter((s) => s === 409).length, 49, 'every other request is a clean 409');
  t.ok(results.filter((x) => x.status === 409).every((x) => x.body.constraint === 'bookings_no_overlap'));
  const [n] = await sql`select count(*)::int as n from booking.bookings where resource_id = ${r.id}`;
  t.equal(n!.n, 1);
});

t.test('1,000 random requests from 20 clients: no overlap, every 201 stored', async (t) => {
  const resources = [
    await booking.createResource(sql, { name: 'A', timeZone: 'UTC', maxMinutes: 240 }),
    await booking.createResource(sql, {
      name: 'B',
      timeZone: 'Europe/Berlin',
      maxMinutes: 240,
      bufferBeforeMinutes: 10,
      bufferAfterMinutes: 20,
    }),
    await booking.createResource(sql, {
      name: 'C',
      timeZone: 'America/New_York',
      maxMinutes: 240,
      bufferAfterMinutes: 15,
    }),
  ];
  const base = Date.UTC(2027, 2, 13); // spans the New York DST change of 2027-03-14
  // Lapsed holds scattered over the range: they must never block, even when raced for.
  for (let i = 0; i < 30; i++) {
    const r = resources[i % 3]!;
    const start = base + i * 4 * 3_600_000;
    const h = await booking.createBooking(sql, {
      resourceId: r.id,
      customerEmail: 'old@x.io',
      start: new Date(start),
      end: new Date(start + 3_600_000),
      holdMinutes: 5,
    });
    await sql`update booking.bookings set hold_expires_at = now() - interval '1 minute' where id = ${h.id}`;
  }
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const created: { id: number; resourceId: number; start: string; end: string; status: string }[] = [];
  const statuses: Record<number, number> = {};
  await Promise.all(
    Array.from({ length: 20 }, async (_, client) => {
      for (let i = 0; i < 50; i++) {
        const r = resources[rand(3)]!;
        const start = base + rand(5 * 24 * 4) * 15 * 60_000;
        const minutes = 30 + rand(8) * 15;
        const hold = rand(5) === 0;
        const res = await post('/booking/bookings', {
          resourceId: Number(r.id),
          customerEmail: `client${client}@x.io`,
          hold,
          start: new Date(start).toISOString(),
          end: new Date(start + minutes * 60_000).toISOString(),
        });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status === 201) created.push(res.body as (typeof created)[number]);
      }
    }),
  );
  t.same(Object.keys(statuses).sort(), ['201', '409'], `only 201 and 409: ${JSON.stringify(statuses)}`);
  t.equal((statuses[201] ?? 0) + (statuses[409] ?? 0), 1000);
  t.ok((statuses[201] ?? 0) > 50 && (statuses[409] ?? 0) > 50, 'real contention on both sides');

  t.equal(await overlaps(false), 0, 'no two active rows overlap (what bookings_no_overlap sees)');
  t.equal(await overlaps(true), 0, 'no two effectively active rows overlap');
  const rows = await sql<{ id: string; resource_id: string; start_at: Date; end_at: Date }[]>`
    select id, resource_id, lower(period) as start_at, upper(period) as end_at
      from booking.bookings where id = any(${created.map((c) => c.id)}::bigint[])`;
  t.equal(rows.length, created.length, 'every 201 is in the table');
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  t.ok(
    created.every((c) => {
      const row = byId.get(c.id);
      return (
        row &&
        Number(row.resource_id) === c.resourceId &&
        row.start_at.toISOString() === c.start &&
        row.end_at.toISOString() === c.end
      );
    }),
    'with the period and resource it answered',
  );
  const [fresh] = await sql`select count(*)::int as n from booking.bookings where customer_email like 'client%'`;
  t.equal(fresh!.n, created.length, 'and nothing that was refused');
});

t.test('10 simultaneous payments against one balance: the balance is never exceeded', async (t) => {
  const r = await booking.createResource(sql, {
    name: 'Pay',
    timeZone: 'UTC',
    requiresPayment: true,
    priceMinor: 2500,
    currency: 'EUR',
  });
  const b = await booking.createBooking(sql, {
    resourceId: r.id,
    customerEmail: 'p@x.io',
    start: '2027-06-01T10:00:00Z',
    end: '2027-06-01T11:00:00Z',
  });
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      post(`/booking/bookings/${b.id}/payments`, {
        amountMinor: 1000,
        currency: 'EUR',
        providerReference: `race-${i}`,
      }),
    ),
  );
  t.equal(results.filter((x) => x.status === 201).length, 2, 'two payments of 10.00 fit into 25.00');
  t.ok(
    results
      .filter((x) => x.status !== 201)
      .every((x) => x.status === 422 && x.body.constraint === 'payments_not_over_balance'),
  );
  t.equal((await booking.getBooking(sql, b.id)).balance_due_minor, '500');
});
