/**
 * The concurrency claims of pg-grind/expense, with real concurrent connections:
 *   - ten connections importing one file at once create each transaction once (the import_id
 *     unique constraint and ON CONFLICT DO NOTHING), and so do ten bulk creates with import_ids;
 *   - two transactions adding split lines to one parent, each alone summing right, cannot both
 *     commit (the deferred check locks the parent and re-reads under a fresh snapshot);
 *   - delta sync misses nothing while writers commit: whatever a reader saw as server_knowledge,
 *     every later change has a larger number (knowledge is handed out under the plan row lock).
 * Barriers are real locks, waited for through pg_stat_activity, never sleeps.
 */
import t from 'tap';
import { connect, type Pool } from '../../src/lib/core/db.js';
import * as ex from '../../src/lib/expense/index.js';
import { testDb } from '../helpers/db.js';
import '../helpers/expense.js';

t.setTimeout(120_000);

/** Polls pg_stat_activity until `n` sessions of this database wait on a lock. */
async function waitForLockWaiters(sql: Pool, n: number) {
  for (;;) {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
       where datname = current_database() and wait_event_type = 'Lock'`;
    if (row!.n >= n) return;
    await new Promise((r) => setImmediate(r));
  }
}

async function setUp(sql: Pool, email: string) {
  const { user_id: user } = await ex.signUp(sql, email, 'correct horse');
  const plan = (await ex.createPlan(sql, user, { name: 'P', currency_iso_code: 'USD', time_zone: 'UTC' })).id;
  const { account } = await ex.createAccount(sql, user, plan, { name: 'Bank', type: 'checking', balance: 0 });
  return { user, plan, account: account.id };
}

/**
 * Runs `work` on `n` connections of their own at once: a session holding the plan row lock keeps
 * them all waiting until every one is blocked on it, then lets them go together.
 */
async function allAtOnce<T>(t: Tap, url: string, sql: Pool, plan: string, n: number, work: (db: Pool) => Promise<T>) {
  const pools = Array.from({ length: n }, () => connect(url, { max: 1 }));
  t.teardown(() => Promise.all(pools.map((p) => p.end({ timeout: 1 }))));
  const gate = await sql.reserve();
  await gate`begin`;
  await gate`select 1 from expense.plans where id = ${plan} for update`;
  const running = pools.map((p) => work(p));
  await waitForLockWaiters(sql, n);
  await gate`commit`;
  gate.release();
  return Promise.all(running);
}
type Tap = { teardown: (fn: () => unknown) => void };

const FILE = [
  'date,amount,payee,memo',
  ...Array.from(
    { length: 50 },
    (_, i) => `2024-06-${String(1 + (i % 28)).padStart(2, '0')},-${1 + (i % 7)}.25,Shop ${i % 5},row ${i}`,
  ),
].join('\n');

t.test('ten connections importing one file create each transaction once', async (t) => {
  // Ten sessions held at once behind a lock barrier: direct, since the pooled suite's PgBouncer
  // (5 server connections) would queue the rest before they reach the lock.
  const { sql, directUrl: url } = await testDb(t);
  const { user, plan, account } = await setUp(sql, 'import@example.com');
  const rows = ex.parseCsv(FILE);
  const results = await allAtOnce(t, url, sql, plan, 10, (db) => ex.importTransactions(db, user, plan, account, rows));
  t.same(
    results.map((r) => r.imported).sort((a, b) => b - a),
    [50, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    'one import creates the 50 rows, nine skip them all',
  );
  const [count] = await sql<{ n: number; ids: number; payees: number }[]>`
    select count(*)::int as n, count(distinct import_id)::int as ids,
           (select count(*)::int from expense.payees where plan_id = ${plan} and transfer_account_id is null) as payees
      from expense.transactions where plan_id = ${plan}`;
  t.same(count, { n: 50, ids: 50, payees: 5 }, 'fifty rows, fifty import ids, five payees');
  const again = await ex.importTransactions(sql, user, plan, account, rows);
  t.same([again.imported, again.skipped], [0, 50], 'importing the file again is a no-op');
});

t.test('ten concurrent bulk creates with the same import_ids create each row once', async (t) => {
  // Ten sessions held at once behind a lock barrier: direct, since the pooled suite's PgBouncer
  // (5 server connections) would queue the rest before they reach the lock.
  const { sql, directUrl: url } = await testDb(t);
  const { user, plan, account } = await setUp(sql, 'bulk@example.com');
  const batch = Array.from({ length: 20 }, (_, i) => ({
    account_id: account,
    date: '2024-07-01',
    amount: -1000 - i,
    import_id: `bank-${i}`,
    payee_name: 'Same Payee',
  }));
  const results = await allAtOnce(t, url, sql, plan, 10, (db) => ex.createTransactions(db, user, plan, batch));
  t.equal(
    results.reduce((s, r) => s + r.transaction_ids.length, 0),
    20,
  );
  t.equal(results.filter((r) => r.duplicate_import_ids.length === 20).length, 9, 'nine calls report all as duplicates');
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from expense.transactions where plan_id = ${plan}`;
  t.equal(row!.n, 20);
});

t.test('two transactions adding split lines to one parent cannot both commit', async (t) => {
  const { sql } = await testDb(t);
  const { user, plan, account } = await setUp(sql, 'split@example.com');
  const [parent] = (
    await ex.createTransactions(sql, user, plan, [{ account_id: account, date: '2024-08-01', amount: -100 }])
  ).transaction_ids;
  const a = await sql.reserve();
  const b = await sql.reserve();
  t.teardown(() => {
    a.release();
    b.release();
  });
  for (const c of [a, b]) {
    await c`begin`;
    // each alone is a complete split: one line of the whole amount
    await c`insert into expense.subtransactions (transaction_id, plan_id, amount) values (${parent!}, ${plan}, -100)`;
  }
  const outcomes = await Promise.allSettled([a`commit`, b`commit`]);
  const failed = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
  t.equal(failed.length, 1, 'exactly one commit is refused');
  t.match(failed[0]?.reason, { code: '23514', constraint_name: 'transactions_splits_sum' });
  const [row] = await sql<{ n: number; s: string }[]>`
    select count(*)::int as n, sum(amount)::text as s from expense.subtransactions where transaction_id = ${parent!}`;
  t.same(row, { n: 1, s: '-100' }, 'one line survives, and it sums');
});

t.test('delta sync misses nothing while writers commit', async (t) => {
  const { sql } = await testDb(t, { max: 8 });
  const { user, plan, account } = await setUp(sql, 'delta@example.com');
  const writers = Array.from({ length: 5 }, async (_, w) => {
    for (let i = 0; i < 15; i++) {
      const created = await ex.createTransactions(sql, user, plan, [
        { account_id: account, date: '2024-09-01', amount: -(w * 100 + i + 1) },
      ]);
      if (i % 5 === 4)
        await ex.updateTransaction(sql, user, plan, created.transaction_ids[0]!, { memo: `edited by ${w}` });
    }
  });
  let done = false;
  const all = Promise.all(writers).then(() => {
    done = true;
  });
  const seen = new Map<string, string | null>();
  let k = 0;
  let reads = 0;
  const pull = async () => {
    const page = await ex.listTransactions(sql, user, plan, { last_knowledge_of_server: k });
    for (const x of page.transactions) seen.set(x.id, x.memo);
    t.ok(page.server_knowledge >= k, 'knowledge never goes back');
    k = page.server_knowledge;
    reads++;
  };
  // the reader keeps pulling deltas while the writers run, then once more after them
  while (!done) await pull();
  await all;
  await pull();
  const rows = await sql<{ id: string; memo: string | null }[]>`
    select id::text, memo from expense.transactions where plan_id = ${plan} and not deleted`;
  t.equal(rows.length, 75);
  t.equal(seen.size, 75, `every row arrived through deltas (${reads} pulls)`);
  t.same(
    rows.filter((r) => seen.get(r.id) !== r.memo),
    [],
    'and each in its latest version',
  );
});
