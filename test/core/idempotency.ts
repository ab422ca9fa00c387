// The project-neutral idempotency helper on a table of this test's own (the shape every project copies).
import t from 'tap';
import {
  idempotent,
  IdempotencyKeyReused,
  requestHash,
  type IdempotencyQueries,
} from '../../src/lib/core/idempotency.js';
import { testDb } from '../helpers/db.js';

// As the owner: the kit's idempotency store is tested on tables this test creates.
const { sql } = await testDb(t, { max: 20, as: 'owner' });
await sql`create table public.idem_keys (
  scope text not null, key text not null, request_hash text not null,
  response_status integer, response_body jsonb, primary key (scope, key))`;
await sql`create table public.idem_effects (id serial primary key, note text not null)`;

const queries: IdempotencyQueries = {
  claim: {
    name: 'test/idem_claim',
    text: 'insert into public.idem_keys (scope, key, request_hash) values ($1::text, $2::text, $3::text) on conflict (scope, key) do nothing returning scope',
  },
  find: {
    name: 'test/idem_find',
    text: 'select request_hash, response_status, response_body from public.idem_keys where scope = $1::text and key = $2::text',
  },
  save: {
    name: 'test/idem_save',
    text: 'update public.idem_keys set response_status = $3::integer, response_body = $4::jsonb where scope = $1::text and key = $2::text',
  },
};
const effects = async () => (await sql<{ n: number }[]>`select count(*)::int as n from public.idem_effects`)[0]!.n;

t.test('runs once, replays, refuses another request under the key', async (t) => {
  let runs = 0;
  const work = async (tx: import('postgres').TransactionSql) => {
    runs++;
    const [row] = await tx<{ id: number }[]>`insert into public.idem_effects (note) values ('a') returning id`;
    return { status: 201, body: { id: row!.id, at: new Date(0) } };
  };
  const first = await idempotent(sql, queries, 'POST /x', 'k1', requestHash({ a: 1 }), work);
  t.same(
    first,
    { status: 201, body: { id: 1, at: '1970-01-01T00:00:00.000Z' }, replayed: false },
    'the body is stored as JSON',
  );
  const again = await idempotent(sql, queries, 'POST /x', 'k1', requestHash({ a: 1 }), work);
  t.same(again, { ...first, replayed: true });
  t.equal(runs, 1);
  await t.rejects(idempotent(sql, queries, 'POST /x', 'k1', requestHash({ a: 2 }), work), IdempotencyKeyReused);
  const elsewhere = await idempotent(sql, queries, 'POST /y', 'k1', requestHash({ a: 2 }), work);
  t.equal(elsewhere.replayed, false, 'keys are per scope');
  t.equal(await effects(), 2);
});

t.test('a failure stores nothing, so the key can be retried', async (t) => {
  await t.rejects(
    idempotent(sql, queries, 'POST /x', 'k2', 'h', async (tx) => {
      await tx`insert into public.idem_effects (note) values ('lost')`;
      throw new Error('boom');
    }),
    { message: 'boom' },
  );
  const [row] = await sql`select count(*)::int as n from public.idem_keys where key = 'k2'`;
  t.equal(row!.n, 0);
  const ok = await idempotent(sql, queries, 'POST /x', 'k2', 'h', async () => ({ status: 200, body: { ok: true } }));
  t.same(ok, { status: 200, body: { ok: true }, replayed: false });
});

t.test('inside a caller transaction it uses a savepoint', async (t) => {
  await sql.begin(async (tx) => {
    await t.rejects(
      idempotent(tx, queries, 'POST /x', 'k3', 'h', async () => {
        throw new Error('inner');
      }),
    );
    const r = await idempotent(tx, queries, 'POST /x', 'k3', 'h', async () => ({ status: 201, body: { n: 1 } }));
    t.equal(r.replayed, false, 'the outer transaction survived the inner failure');
  });
});

t.test('twenty simultaneous calls with one key: the work runs once, all get its response', async (t) => {
  const before = await effects();
  const results = await Promise.all(
    Array.from({ length: 20 }, () =>
      idempotent(sql, queries, 'POST /x', 'k4', 'h', async (tx) => {
        const [row] = await tx<{ id: number }[]>`insert into public.idem_effects (note) values ('race') returning id`;
        await tx`select pg_sleep(0.05)`; // hold the key a little so that the others queue behind it
        return { status: 201, body: { id: row!.id } };
      }),
    ),
  );
  t.equal(await effects(), before + 1);
  t.equal(new Set(results.map((r) => r.body.id)).size, 1);
  t.equal(results.filter((r) => r.replayed).length, 19);
});
