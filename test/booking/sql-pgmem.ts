// Unit tier for booking: what pg-mem can run of sql/booking/.
//
// Most of this project is exactly what pg-mem cannot model: tstzrange/multirange columns and
// functions, the btree_gist exclusion constraints, the plpgsql triggers (length, availability,
// blackouts, status machine, payment rule), pg_timezone_names. Those statements are skipped here
// and covered by test/booking/*.ts on real PostgreSQL. What remains is the
// idempotency-key table and its three statements, and the enum types.
import t from 'tap';
import { loadSql } from '../../src/lib/core/db.js';
import { memDb } from '../helpers/pgmem.js';

const { query } = await memDb('booking', [
  {
    pattern: /create type booking\.timerange|tstzrange|tstzmultirange/i,
    reason: 'pg-mem has no range or multirange types',
  },
  { pattern: /language plpgsql/i, reason: 'pg-mem has no plpgsql: every trigger function is integration-only' },
  { pattern: /create trigger/i, reason: 'pg-mem has no triggers' },
  {
    pattern: /create function booking\.(balance_due|effective_status)/i,
    reason: 'pg-mem cannot parse SQL functions over table rows (balance_due, effective_status)',
  },
  { pattern: /pg_timezone_names/i, reason: 'pg-mem has no time zone catalog (resources_time_zone_valid)' },
  {
    pattern: /create table booking\.(resources|availability_windows|payments)/i,
    reason: 'need is_time_zone, an exclusion constraint or bookings',
  },
  {
    pattern: /create index \w+ on booking\.(payments|blackouts|bookings)/i,
    reason: 'the indexed tables are not loaded',
  },
]);
const q = loadSql('booking', ['claim_idempotency_key', 'find_idempotency_key', 'save_idempotency_response']);

t.test('claim_idempotency_key claims once per scope and key', async (t) => {
  t.same(await query(q.claim_idempotency_key.text, ['POST /booking/bookings', 'k', 'h1']), [
    { scope: 'POST /booking/bookings' },
  ]);
  // PostgreSQL returns no row for a conflicting `insert ... on conflict do nothing returning`; pg-mem
  // returns one (a pg-mem bug), so that half is covered by test/core/idempotency.ts. What
  // pg-mem does get right: the first claim's hash is kept.
  await query(q.claim_idempotency_key.text, ['POST /booking/bookings', 'k', 'h2']);
  t.same(
    await query(q.find_idempotency_key.text, ['POST /booking/bookings', 'k']),
    [{ request_hash: 'h1', response_status: null, response_body: null }],
    'second claim changes nothing',
  );
  t.same(
    await query(q.claim_idempotency_key.text, ['POST /booking/bookings/1/payments', 'k', 'h2']),
    [{ scope: 'POST /booking/bookings/1/payments' }],
    'per scope',
  );
});

t.test('save_idempotency_response and find_idempotency_key', async (t) => {
  t.same(await query(q.find_idempotency_key.text, ['POST /booking/bookings', 'k']), [
    { request_hash: 'h1', response_status: null, response_body: null },
  ]);
  await query(q.save_idempotency_response.text, ['POST /booking/bookings', 'k', 201, { id: 7 }]);
  t.same(await query(q.find_idempotency_key.text, ['POST /booking/bookings', 'k']), [
    { request_hash: 'h1', response_status: 201, response_body: { id: 7 } },
  ]);
  t.same(await query(q.find_idempotency_key.text, ['POST /booking/bookings', 'other']), []);
});

t.test('the key length check loads', async (t) => {
  await t.rejects(query(q.claim_idempotency_key.text, ['POST /booking/bookings', '', 'h']));
});
