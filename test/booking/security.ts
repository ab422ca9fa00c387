// Who may do what on /booking: the admin token guards the administration, a customer's payment
// starts pending, and only a signed provider callback (or the admin) makes it succeeded.
import { createHmac } from 'node:crypto';
import t from 'tap';
import { testDb } from '../helpers/db.js';
import { testServer, testWebhookSecret } from '../helpers/http.js';

const { sql } = await testDb(t);
const admin = await testServer(t, sql, { admin: true });
const anon = await testServer(t, sql);

type Json = Record<string, any>;
async function call(
  srv: typeof admin,
  method: string,
  path: string,
  json?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await srv.request(path, { method, json, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Json };
}

const court = await call(admin, 'POST', '/booking/resources', {
  name: 'Court',
  timeZone: 'UTC',
  requiresPayment: true,
  priceMinor: 2500,
  currency: 'USD',
});
let day = 1;
/** A new booking of the court made by an anonymous customer, as its 201 body. */
async function book() {
  const d = String(day++).padStart(2, '0');
  const b = await call(anon, 'POST', '/booking/bookings', {
    resourceId: court.body.id,
    start: `2028-01-${d}T10:00:00Z`,
    end: `2028-01-${d}T11:00:00Z`,
    customerEmail: 'cust@example.com',
  });
  if (b.status !== 201) throw new Error(`booking failed: ${JSON.stringify(b)}`);
  return b.body;
}

t.test('every administration route refuses a missing or wrong token with 401 Bearer', async (t) => {
  t.equal(court.status, 201);
  const b = await book();
  const routes: [string, string, unknown?][] = [
    ['POST', '/booking/resources', { name: 'x', timeZone: 'UTC' }],
    ['PUT', `/booking/resources/${court.body.id}/availability`, { windows: [] }],
    [
      'POST',
      `/booking/resources/${court.body.id}/blackouts`,
      { start: '2028-02-01T00:00:00Z', end: '2028-02-02T00:00:00Z' },
    ],
    ['GET', `/booking/bookings/${b.id}`],
    ['POST', `/booking/bookings/${b.id}/confirm`],
    ['POST', `/booking/bookings/${b.id}/cancel`],
    ['POST', `/booking/bookings/${b.id}/complete`],
    ['POST', `/booking/bookings/${b.id}/no-show`],
    ['GET', `/booking/bookings/${b.id}/payments`],
    ['GET', '/booking/customers/cust@example.com/bookings'],
  ];
  for (const [method, path, body] of routes) {
    for (const auth of [undefined, 'Bearer wrong-token', 'Basic dGVzdDp0ZXN0', 'Bearer ']) {
      const res = await call(anon, method, path, body, auth ? { authorization: auth } : {});
      t.equal(res.status, 401, `${method} ${path} with ${auth ?? 'no token'}`);
      t.match(res.headers.get('www-authenticate'), /^Bearer/);
      t.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    }
  }
  // Nothing was changed by the refused calls.
  t.match((await call(admin, 'GET', `/booking/bookings/${b.id}`)).body, { status: 'pending' });
  t.equal((await sql`select count(*)::int as n from booking.blackouts`)[0]!.n, 0);
  // The catalogue stays public: a customer reads the resource and its free slots.
  t.equal((await call(anon, 'GET', `/booking/resources/${court.body.id}`)).status, 200);
  t.equal(
    (await call(anon, 'GET', `/booking/resources/${court.body.id}/slots?from=2028-03-01&to=2028-03-01&minutes=60`))
      .status,
    200,
  );
});

t.test('the OpenAPI document names the routes that need the admin token', async (t) => {
  const doc = (await (await anon.request('/openapi.json')).json()) as Json;
  t.match(doc.components.securitySchemes.adminToken, { type: 'http', scheme: 'bearer' });
  t.same(doc.paths['/booking/resources'].post.security, [{ adminToken: [] }]);
  t.same(doc.paths['/booking/bookings/{id}'].get.security, [{ adminToken: [] }]);
  t.equal(doc.paths['/booking/bookings'].post.security, undefined);
  t.ok(doc.paths['/booking/bookings/{id}'].get.responses['401']);
});

t.test('a customer cannot declare a payment succeeded, nor confirm on it', async (t) => {
  const b = await book();
  const pay = { amountMinor: 2500, currency: 'USD', providerReference: 'pi_self' };
  const declared = await call(anon, 'POST', `/booking/bookings/${b.id}/payments`, { ...pay, status: 'succeeded' });
  t.equal(declared.status, 401);
  t.match(declared.body, { errors: [{ in: 'header', field: 'authorization' }] });
  const recorded = await call(anon, 'POST', `/booking/bookings/${b.id}/payments`, pay);
  t.match(recorded, { status: 201, body: { status: 'pending', providerReference: 'pi_self' } });
  const [row] = await sql`select b.status, booking.balance_due(b.id)::int as due from booking.bookings b
                           where b.id = ${b.id}`;
  t.same(row, { status: 'pending', due: 2500 });
  t.match(await call(admin, 'POST', `/booking/bookings/${b.id}/confirm`), {
    status: 409,
    body: { constraint: 'bookings_paid_before_confirm' },
  });
  // The admin API still records a payment as succeeded (its default), and then the booking confirms.
  const b2 = await book();
  t.match(await call(admin, 'POST', `/booking/bookings/${b2.id}/payments`, { ...pay, providerReference: 'ch_desk' }), {
    status: 201,
    body: { status: 'succeeded' },
  });
  t.match(await call(admin, 'POST', `/booking/bookings/${b2.id}/confirm`), {
    status: 200,
    body: { status: 'confirmed' },
  });
});

function sign(body: string, at = Math.floor(Date.now() / 1000), secret = testWebhookSecret) {
  const v1 = createHmac('sha256', secret).update(`${at}.${body}`).digest('hex');
  return `t=${at},v1=${v1}`;
}
async function callback(raw: string, signature: string | undefined) {
  const res = await anon.request('/booking/payments/events', {
    method: 'POST',
    body: raw,
    headers: { 'content-type': 'application/json', ...(signature ? { 'booking-signature': signature } : {}) },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Json };
}

t.test('a signed provider callback marks the payment succeeded; replays are no-ops', async (t) => {
  const b = await book();
  const pay = { amountMinor: 2500, currency: 'USD', providerReference: 'pi_hook' };
  t.match(await call(anon, 'POST', `/booking/bookings/${b.id}/payments`, pay), { status: 201 });
  const raw = JSON.stringify({ providerReference: 'pi_hook', status: 'succeeded' });

  const unsigned = await callback(raw, undefined);
  t.equal(unsigned.status, 400);
  t.match(unsigned.body, { errors: [{ in: 'header', field: 'booking-signature' }] });
  t.match(await callback(raw, sign(raw, undefined, 'not-the-secret')), { status: 400 });
  // The signature covers the raw bytes: the same JSON spelled differently is not signed.
  t.match(await callback(raw.replace(':', ': '), sign(raw)), { status: 400 });
  const old = Math.floor(Date.now() / 1000) - 3600;
  t.match(await callback(raw, sign(raw, old)), {
    status: 400,
    body: { errors: [{ field: 'booking-signature' }] },
  });
  t.match(await callback(raw, 't=abc,v1=00'), { status: 400 });
  const [still] = await sql`select status from booking.payments where provider_reference = 'pi_hook'`;
  t.equal(still!.status, 'pending');

  const signed = sign(raw);
  const first = await callback(raw, signed);
  t.match(first, { status: 200, body: { status: 'succeeded', providerReference: 'pi_hook', bookingId: b.id } });
  t.equal(first.headers.get('idempotent-replayed'), null);
  const again = await callback(raw, signed);
  t.match(again, { status: 200, body: first.body });
  t.equal(again.headers.get('idempotent-replayed'), 'true');
  const [paid] = await sql`select count(*)::int as n from booking.payments where status = 'succeeded'
                              and provider_reference = 'pi_hook'`;
  t.equal(paid!.n, 1);
  t.match(await call(admin, 'POST', `/booking/bookings/${b.id}/confirm`), {
    status: 200,
    body: { status: 'confirmed' },
  });

  // A later contradicting event is refused, an unknown reference is 404, a bad body 400.
  const failed = JSON.stringify({ providerReference: 'pi_hook', status: 'failed' });
  t.match(await callback(failed, sign(failed)), { status: 409 });
  const unknown = JSON.stringify({ providerReference: 'pi_nope', status: 'succeeded' });
  t.match(await callback(unknown, sign(unknown)), { status: 404 });
  const bad = JSON.stringify({ providerReference: 'pi_hook', status: 'refunded', extra: 1 });
  t.match(await callback(bad, sign(bad)), { status: 400 });
});

t.test('a failed callback leaves the balance due', async (t) => {
  const b = await book();
  t.match(
    await call(anon, 'POST', `/booking/bookings/${b.id}/payments`, {
      amountMinor: 2500,
      currency: 'USD',
      providerReference: 'pi_fail',
    }),
    { status: 201 },
  );
  const raw = JSON.stringify({ providerReference: 'pi_fail', status: 'failed' });
  t.match(await callback(raw, sign(raw)), { status: 200, body: { status: 'failed' } });
  t.match(await call(admin, 'POST', `/booking/bookings/${b.id}/confirm`), { status: 409 });
});
