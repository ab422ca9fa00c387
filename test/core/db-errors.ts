// src/lib/core/db.ts and errors.ts on real PostgreSQL: every SQLSTATE class of the STYLE.md table is
// raised by a real statement and comes out as its typed error with code, constraint, table, column.
import t from 'tap';
import { exec, many, maybeOne, one, transaction, type Statement } from '../../src/lib/core/db.js';
import {
  CheckViolation, DbError, ExclusionViolation, ForeignKeyViolation, InvalidInput, NotFound, NotNullViolation,
  TransientConflict, UniqueViolation, Unavailable, isRetryable, mapDbError,
} from '../../src/lib/core/errors.js';
import { testDb } from '../helpers/db.js';

const { sql } = await testDb(t);
await sql.unsafe(`
  create schema scratch;
  create table scratch.parents (id int constraint parents_pkey primary key, email text constraint parents_email_key unique);
  create table scratch.children (
    id int primary key,
    parent_id int constraint children_parent_fkey references scratch.parents,
    qty int not null constraint children_qty_positive check (qty > 0),
    code varchar(3),
    during int4range,
    constraint children_no_overlap exclude using gist (during with &&)
  );
  insert into scratch.parents values (1, 'a@example.com');
`);

/** An ad-hoc statement (the libraries load theirs from sql/); its types are this test's claim. */
const adhoc = <P extends readonly unknown[] = [], R = Record<string, unknown>>(text: string, name = 'test/adhoc'): Statement<P, R> => ({ name, text });
const raise = (code: string) => `do $$ begin raise exception 'raised' using errcode = '${code}'; end $$`;

t.test('each SQLSTATE maps to its class, keeping the fields', async (t) => {
  const cases: [string, string, typeof DbError, Record<string, unknown>][] = [
    ['unique', `insert into scratch.parents values (2, 'a@example.com')`, UniqueViolation, { code: '23505', constraint: 'parents_email_key', table: 'parents', schema: 'scratch' }],
    ['exclusion', `insert into scratch.children values (1, 1, 1, 'a', '[1,5)'), (2, 1, 1, 'b', '[3,7)')`, ExclusionViolation, { code: '23P01', constraint: 'children_no_overlap' }],
    ['foreign key', `insert into scratch.children values (3, 99, 1, 'c', null)`, ForeignKeyViolation, { code: '23503', constraint: 'children_parent_fkey', table: 'children' }],
    ['check', `insert into scratch.children values (4, 1, 0, 'd', null)`, CheckViolation, { code: '23514', constraint: 'children_qty_positive' }],
    ['not null', `insert into scratch.children values (5, 1, null, 'e', null)`, NotNullViolation, { code: '23502', column: 'qty', table: 'children' }],
    ['22P02 bad text', `select 'abc'::int`, InvalidInput, { code: '22P02' }],
    ['22001 too long', `insert into scratch.children values (6, 1, 1, 'toolong', null)`, InvalidInput, { code: '22001' }],
    ['22003 out of range', `select 2147483647::int + 1`, InvalidInput, { code: '22003' }],
    ['22007 bad datetime', `select 'not a date'::date`, InvalidInput, { code: '22007' }],
    ['22008 datetime overflow', `select '2024-02-30'::date`, InvalidInput, { code: '22008' }],
    ['40001', raise('40001'), TransientConflict, { code: '40001' }],
    ['40P01', raise('40P01'), TransientConflict, { code: '40P01' }],
    ['57014 canceled', `select pg_sleep(2)`, Unavailable, { code: '57014' }],
    ['08006', raise('08006'), Unavailable, { code: '08006' }],
    ['53300', raise('53300'), Unavailable, { code: '53300' }],
    ['57P01', raise('57P01'), Unavailable, { code: '57P01' }],
  ];
  for (const [label, text, Class, fields] of cases) {
    const run = label.startsWith('57014')
      ? sql.begin(async (tx) => { await tx`set local statement_timeout = 50`; return many(tx, adhoc(text)); })
      : many(sql, adhoc(text));
    const err = await run.then(() => undefined, (e: unknown) => (label.startsWith('57014') ? mapDbError(e) : e));
    t.type(err, Class, label);
    t.match(err, fields, `${label}: fields`);
    t.ok((err as DbError).cause, `${label}: keeps the driver error`);
  }
});

t.test('other errors pass unchanged', async (t) => {
  const err = await many(sql, adhoc('select 1/0')).catch((e: unknown) => e);
  t.notOk(err instanceof DbError);
  t.equal((err as { code: string }).code, '22012');
  const plain = new Error('x');
  t.equal(mapDbError(plain), plain);
  t.equal(mapDbError('str'), 'str');
  t.type(mapDbError({ code: 'ECONNREFUSED', message: 'refused' }), Unavailable);
  t.ok(isRetryable({ code: '40001' }));
  t.notOk(isRetryable(new Error('x')));
});

t.test('one / maybeOne / many / exec', async (t) => {
  t.same(await one(sql, adhoc<[number], { n: number }>('select $1::int as n'), [5]), { n: 5 });
  await t.rejects(one(sql, adhoc('select 1 where false'), [], 'parent'), NotFound);
  t.match(await one(sql, adhoc('select 1 where false'), [], 'parent').catch((e: unknown) => e), { entity: 'parent' });
  t.equal(await maybeOne(sql, adhoc('select 1 where false')), undefined);
  await t.rejects(maybeOne(sql, adhoc('select generate_series(1, 2)')), /at most one row/);
  await t.rejects(one(sql, adhoc('select generate_series(1, 2)', 'scratch/two_rows'), []), /^scratch\/two_rows: expected at most one row/);
  t.equal((await many(sql, adhoc<[number]>('select generate_series(1, $1::int)'), [3])).length, 3);
  t.equal(await exec(sql, adhoc('update scratch.parents set email = email')), 1);
  await t.rejects(exec(sql, adhoc(`insert into scratch.parents values (1, 'z')`)), UniqueViolation);
  const dup = await exec(sql, adhoc<[string]>(`insert into scratch.parents values (1, $1::text)`, 'scratch/add_parent'), ['secret@example.com']).catch((e: unknown) => e);
  t.match(dup, { statement: 'scratch/add_parent' }, 'a mapped error names the statement that failed');
  t.notMatch(JSON.stringify({ ...(dup as object), cause: undefined }), /secret@example/, 'but not its parameter values');
});

t.test('transaction(): retries serialization failures, then gives up', async (t) => {
  let attempts = 0;
  const value = await transaction(sql, async (tx) => {
    attempts++;
    if (attempts < 3) await tx.unsafe(raise('40001'));
    return 'done';
  }, { baseDelayMs: 1 });
  t.equal(value, 'done');
  t.equal(attempts, 3, 'ran again after each 40001');

  attempts = 0;
  const err = await transaction(sql, async (tx) => { attempts++; await tx.unsafe(raise('40P01')); }, { maxAttempts: 4, baseDelayMs: 1 }).catch((e: unknown) => e);
  t.type(err, TransientConflict);
  t.equal(attempts, 4, 'bounded');

  attempts = 0;
  await t.rejects(transaction(sql, async (tx) => { attempts++; await tx`select 'x'::int`; }), InvalidInput);
  t.equal(attempts, 1, 'other errors are not retried');
});

t.test('transaction(): real serializable conflicts between concurrent connections all commit', async (t) => {
  await sql`create table scratch.counter (n int not null)`;
  await sql`insert into scratch.counter values (0)`;
  const workers = 8;
  await Promise.all(Array.from({ length: workers }, () => transaction(sql, async (tx) => {
    const [row] = await tx<{ n: number }[]>`select n from scratch.counter`;
    await new Promise((r) => setTimeout(r, 5)); // widen the race window
    await tx`update scratch.counter set n = ${row!.n + 1}`;
  }, { isolation: 'serializable', maxAttempts: 30 })));
  const [row] = await sql<{ n: number }[]>`select n from scratch.counter`;
  t.equal(row!.n, workers, 'no lost update: every increment survived through retries');
});

t.test('transaction(): nested calls use a savepoint; read only is enforced', async (t) => {
  await transaction(sql, async (tx) => {
    await tx`insert into scratch.parents values (10, 'ten@example.com')`;
    await t.rejects(transaction(tx, async (inner) => {
      await inner`insert into scratch.parents values (11, 'eleven@example.com')`;
      await inner`insert into scratch.parents values (11, 'dup')`;
    }), UniqueViolation);
  });
  t.same((await sql`select id from scratch.parents where id in (10, 11) order by id`).map((r) => r.id), [10], 'outer kept, inner rolled back');
  const err = await transaction(sql, (tx) => tx`insert into scratch.parents values (12, 'x')`, { readOnly: true, isolation: 'repeatable read' }).catch((e: unknown) => e);
  t.equal((err as { code: string }).code, '25006', 'read only transaction refuses writes');
});
