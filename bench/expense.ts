/**
 * `npm run bench -- expense`: the month summary, a year of one plan's transactions and each report
 * on seeded data (default the 1,000 users x 10 years x 1,000 transactions a year =
 * 10,000,000 rows; EXPENSE_BENCH_USERS, EXPENSE_BENCH_YEARS, EXPENSE_BENCH_PER_YEAR to change,
 * EXPENSE_BENCH_ITERATIONS per operation), against what a naive implementation runs, in the same
 * run, alternated request by request on random plans:
 *   - month summary: per category, one query each for its activity and budget of the month and
 *     for its activity and budgets up to it (the balance carried over): the N+1 of an ORM that
 *     walks categories; plus the income query;
 *   - a year of transactions: the ids of the year, then one query per row for its account, payee,
 *     category and split lines (the per-row loading behind firefly-iii#8873);
 *   - each report: the range's raw rows fetched, then grouped in JavaScript (the running balance:
 *     every row of the plan's history, summed in order).
 */
import { performance } from 'node:perf_hooks';
import { connect, type Pool } from '../src/lib/core/db.js';
import * as ex from '../src/lib/expense/index.js';
import { seed } from '../src/lib/expense/seed.js';
import { benchServer, freshDatabase, progress, report, type Row } from './lib.js';

const users = Number(process.env.EXPENSE_BENCH_USERS ?? 1000);
const years = Number(process.env.EXPENSE_BENCH_YEARS ?? 10);
const perYear = Number(process.env.EXPENSE_BENCH_PER_YEAR ?? 1000);
const iterations = Number(process.env.EXPENSE_BENCH_ITERATIONS ?? 200);

const server = await benchServer();
const database = await freshDatabase(server, 'expense');
const pool = connect(database.url, { max: 2, applicationName: 'pg-grind-bench-expense' });

type Target = { user: string; plan: string; month: string; yearAgo: string };

/** The naive month summary: per category, one query for activity and one for the budget. */
async function naiveMonth(sql: Pool, t: Target) {
  const cats = await sql<{ id: string }[]>`select id from expense.categories where plan_id = ${t.plan} and not deleted`;
  let activity = 0n;
  let budgeted = 0n;
  let balance = 0n;
  for (const c of cats) {
    const [a] = await sql<{ s: string }[]>`
      select coalesce(sum(amount), 0)::text as s from expense.transactions
       where category_id = ${c.id} and not deleted and date >= ${t.month}::date and date < ${t.month}::date + interval '1 month'`;
    const [b] = await sql<{ s: string }[]>`
      select coalesce(sum(budgeted), 0)::text as s from expense.month_budgets where category_id = ${c.id} and month = ${t.month}`;
    // the balance carried over: everything budgeted to and spent in the category up to the month
    const [ta] = await sql<{ s: string }[]>`
      select coalesce(sum(amount), 0)::text as s from expense.transactions
       where category_id = ${c.id} and not deleted and date < ${t.month}::date + interval '1 month'`;
    const [tb] = await sql<{ s: string }[]>`
      select coalesce(sum(budgeted), 0)::text as s from expense.month_budgets where category_id = ${c.id} and month <= ${t.month}`;
    activity += BigInt(a!.s);
    budgeted += BigInt(b!.s);
    balance += BigInt(ta!.s) + BigInt(tb!.s);
  }
  const [inc] = await sql<{ s: string }[]>`
    select coalesce(sum(amount), 0)::text as s from expense.transactions
     where plan_id = ${t.plan} and category_id is null and transfer_account_id is null and amount > 0 and not deleted
       and date >= ${t.month}::date and date < ${t.month}::date + interval '1 month'`;
  return { activity, budgeted, balance, income: BigInt(inc!.s) };
}

/** The naive year list: ids, then a query per row for its details. */
async function naiveYear(sql: Pool, t: Target) {
  const ids = await sql<{ id: string }[]>`
    select id from expense.transactions where plan_id = ${t.plan} and date >= ${t.yearAgo} and not deleted order by date, id`;
  const out = [];
  for (const { id } of ids) {
    const [row] = await sql`
      select t.*, a.name as account_name, y.name as payee_name, c.name as category_name
        from expense.transactions t join expense.accounts a on a.id = t.account_id
        left join expense.payees y on y.id = t.payee_id left join expense.categories c on c.id = t.category_id
       where t.id = ${id}`;
    const subs = await sql`select * from expense.subtransactions where transaction_id = ${id}`;
    out.push({ ...row, subtransactions: subs });
  }
  return out;
}

/** The naive running balance: the plan's whole history, in order, summed per account in JavaScript. */
async function naiveRunning(sql: Pool, t: Target) {
  const rows = await sql<{ account_id: string; date: string; amount: string }[]>`
    select account_id::text, to_char(date, 'YYYY-MM-DD') as date, amount::text from expense.transactions
     where plan_id = ${t.plan} and not deleted order by account_id, date`;
  const out = new Map<string, { date: string; balance: bigint }[]>();
  const bal = new Map<string, bigint>();
  for (const r of rows) {
    const b = (bal.get(r.account_id) ?? 0n) + BigInt(r.amount);
    bal.set(r.account_id, b);
    if (r.date >= t.yearAgo) {
      const pts = out.get(r.account_id) ?? [];
      if (pts.at(-1)?.date === r.date) pts.at(-1)!.balance = b;
      else pts.push({ date: r.date, balance: b });
      out.set(r.account_id, pts);
    }
  }
  return out;
}

/** The naive report: the range's raw rows, grouped in JavaScript. */
async function naiveReport(sql: Pool, t: Target, by: (r: { date: string; category_id: string | null }) => string) {
  const rows = await sql<{ date: string; amount: string; category_id: string | null }[]>`
    select to_char(date, 'YYYY-MM-DD') as date, amount::text, category_id from expense.transactions
     where plan_id = ${t.plan} and date >= ${t.yearAgo} and not deleted and transfer_account_id is null`;
  const totals = new Map<string, bigint>();
  for (const r of rows) totals.set(by(r), (totals.get(by(r)) ?? 0n) + BigInt(r.amount));
  return totals;
}

const weekdayOf = (d: string) => String(new Date(`${d}T00:00:00Z`).getUTCDay());

try {
  const t0 = performance.now();
  const seeded = await seed(pool, { users, years, transactionsPerYear: perYear }, (d, n) =>
    progress('seeding users', d, n),
  );
  const seedSeconds = (performance.now() - t0) / 1000;
  await pool`vacuum analyze expense.transactions`;

  const targets = await pool<Target[]>`
    select p.user_id::text as user, p.id::text as plan,
           to_char(date_trunc('month', current_date) - make_interval(months => (random() * 11)::int), 'YYYY-MM-DD') as month,
           to_char(current_date - 365, 'YYYY-MM-DD') as "yearAgo"
      from expense.plans p order by random() limit 200`;
  const pick = (i: number) => targets[i % targets.length]!;

  const ops: [string, (t: Target) => Promise<unknown>, (t: Target) => Promise<unknown>][] = [
    ['month summary', (t) => ex.getMonth(pool, t.user, t.plan, t.month), (t) => naiveMonth(pool, t)],
    [
      'transactions of a year',
      (t) => ex.listTransactions(pool, t.user, t.plan, { since_date: t.yearAgo }),
      (t) => naiveYear(pool, t),
    ],
    [
      'report totals',
      (t) => ex.reportTotals(pool, t.user, t.plan),
      (t) => naiveReport(pool, t, (r) => r.category_id ?? '-'),
    ],
    ['report running_balance', (t) => ex.reportRunningBalance(pool, t.user, t.plan), (t) => naiveRunning(pool, t)],
    [
      'report month_over_month',
      (t) => ex.reportMonthOverMonth(pool, t.user, t.plan),
      (t) => naiveReport(pool, t, (r) => `${r.category_id}:${r.date.slice(0, 7)}`),
    ],
    [
      'report weekday',
      (t) => ex.reportWeekday(pool, t.user, t.plan),
      (t) => naiveReport(pool, t, (r) => weekdayOf(r.date)),
    ],
    [
      'report budget_vs_actual',
      (t) => ex.reportBudgetVsActual(pool, t.user, t.plan),
      (t) => naiveReport(pool, t, (r) => `${r.category_id}:${r.date.slice(0, 7)}`),
    ],
  ];

  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  };
  const rows: Row[] = [];
  let step = 0;
  let listed = 0;
  for (const [name, ours, naive] of ops) {
    const times = { ours: [] as number[], naive: [] as number[] };
    // The naive year list runs a thousand queries per request: fewer iterations keep the run short.
    const n = name.startsWith('transactions') ? Math.max(10, Math.floor(iterations / 10)) : iterations;
    for (let i = -5; i < n; i++) {
      const t = pick(i + 5);
      for (const [mode, fn] of [
        ['ours', ours],
        ['naive', naive],
      ] as const) {
        const s = performance.now();
        const r = await fn(t);
        if (i >= 0) times[mode].push(performance.now() - s);
        if (mode === 'ours' && name.startsWith('transactions') && i === 0)
          listed = (r as { transactions: unknown[] }).transactions.length;
      }
    }
    rows.push({
      operation: name,
      'ours p50 ms': pct(times.ours, 0.5),
      'ours p99 ms': pct(times.ours, 0.99),
      'naive p50 ms': pct(times.naive, 0.5),
      'naive p99 ms': pct(times.naive, 0.99),
      requests: n,
    });
    progress('measuring', ++step, ops.length);
  }
  report('expense', server, rows, {
    users,
    years,
    perYear,
    transactions: seeded.transactions,
    iterations,
    seedSeconds: Number(seedSeconds.toFixed(1)),
    transactionsInAYear: listed,
  });
  console.log(
    `seeded ${seeded.transactions.toLocaleString('en-US')} transactions in ${seedSeconds.toFixed(1)} s; a year of one plan: ${listed} transactions`,
  );
} finally {
  await pool.end();
  await database.drop();
  await server.stop();
}
