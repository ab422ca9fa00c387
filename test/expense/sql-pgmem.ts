// Unit tier: the sql/expense/ statements pg-mem can run, over the tables of the committed migration
// it can load, plus the pure helpers (CSV parsing, milliunits, the JSON-safe money check).
//
// pg-mem cannot load most of expense, so most of it is covered by test/expense/*.ts only:
// - the transactions, subtransactions and scheduled_transactions tables: `on delete set null
//   (column)` and `deferrable initially deferred` do not parse, and with them every statement that
//   reads them (lists, months, reports, imports, creates, updates, deletes, the views);
// - plpgsql (the knowledge trigger, the split-sum and transfer-pair constraint triggers, the time
//   zone check, expense.convert) and every trigger: no plpgsql in pg-mem;
// - views (money_lines, transaction_details, account_details), indexes with INCLUDE;
// - create_user, create_token: make_interval(secs => ...) does not parse;
// - list_* (one row per plan with jsonb_agg subqueries): correlated subqueries fail with "column
//   p.id does not exist"; set_exchange_rates: no to_char().
// What is left runs here: plans, category groups and categories, payees (the case-insensitive
// unique name) and the token and credential lookups.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { DataType } from 'pg-mem';
import { loadSql } from '../../src/lib/core/db.js';
import { milliunits, money, parseCsv } from '../../src/lib/expense/index.js';
import { memDb } from '../helpers/pgmem.js';

const { query } = await memDb(
  'expense',
  [
    { pattern: /\bcreate function\b/i, reason: 'plpgsql: covered by test/expense/lib.ts and concurrency.ts' },
    { pattern: /\bcreate (constraint )?trigger\b/i, reason: 'no triggers: covered by test/expense/lib.ts' },
    { pattern: /\bcreate view\b/i, reason: 'the views read transactions, which pg-mem cannot load' },
    {
      pattern: /expense\.(transactions|subtransactions|scheduled_transactions)\b/i,
      reason: '`on delete set null (col)` and deferrable keys do not parse: covered by test/expense/*.ts',
    },
    { pattern: /\binclude \(/i, reason: 'INCLUDE indexes do not parse; they only serve plans' },
  ],
  (db) =>
    db.public.registerFunction({
      name: 'gen_random_uuid',
      returns: DataType.uuid,
      implementation: randomUUID,
      impure: true,
    }),
);
const q = loadSql('expense', [
  'find_credentials',
  'find_token_user',
  'create_plan',
  'create_category_group',
  'create_category',
  'create_payee',
]);
const USER = '11111111-1111-4111-8111-111111111111';
const hash = Buffer.alloc(32, 7);
await query(`insert into expense.users (id, email, password_hash) values ($1, 'Ann@Example.com', '$scrypt$x')`, [USER]);
await query(
  `insert into expense.access_tokens (token_hash, user_id, expires_at) values ($1, $2, now() + interval '1 hour')`,
  [hash, USER],
);

t.test('credentials and tokens', async (t) => {
  t.same(await query(q.find_credentials.text, ['ann@EXAMPLE.com']), [{ id: USER, password_hash: '$scrypt$x' }]);
  t.same(await query(q.find_credentials.text, ['bob@example.com']), []);
  t.same(await query(q.find_token_user.text, [hash]), [{ user_id: USER }]);
  t.same(await query(q.find_token_user.text, [Buffer.alloc(32, 8)]), []);
  await t.rejects(query(`insert into expense.users (email, password_hash) values ('ANN@example.com', '$scrypt$y')`));
});

t.test('plans, groups, categories, payees', async (t) => {
  const [plan] = await query<{ id: string; currency_iso_code: string; server_knowledge: number }>(q.create_plan.text, [
    USER,
    'Home',
    'EUR',
    'Europe/Paris',
  ]);
  t.match(plan, { currency_iso_code: 'EUR', server_knowledge: 0 });
  await t.rejects(query(q.create_plan.text, [USER, 'Bad', 'eur', 'UTC']), 'plans_currency_iso_code_check');
  t.same(
    await query(q.create_plan.text, ['22222222-2222-4222-8222-222222222222', 'x', 'USD', 'UTC']).catch(() => 'fk'),
    'fk',
  );
  const [group] = await query<{ id: string }>(q.create_category_group.text, [USER, plan!.id, 'Bills']);
  t.ok(group?.id);
  t.same(
    await query(q.create_category_group.text, ['22222222-2222-4222-8222-222222222222', plan!.id, 'x']),
    [],
    'not the user’s plan: no row',
  );
  const [cat] = await query<{ name: string }>(q.create_category.text, [USER, plan!.id, group!.id, 'Power', null]);
  t.equal(cat?.name, 'Power');
  t.equal((await query(q.create_payee.text, [USER, plan!.id, 'Shop'])).length, 1);
  await t.rejects(query(q.create_payee.text, [USER, plan!.id, 'SHOP']), 'one payee per name, whatever the case');
});

t.test('pure helpers', async (t) => {
  t.same(parseCsv('date,amount\n2024-01-02,-0.001\n'), [{ date: '2024-01-02', amount: -1 }]);
  t.equal(milliunits('-999999999999.999'), -999_999_999_999_999);
  t.equal(money('9007199254740991'), Number.MAX_SAFE_INTEGER);
  t.throws(() => money('9007199254740992'));
});
