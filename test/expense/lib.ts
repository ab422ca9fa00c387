/**
 * pg-grind/expense on real PostgreSQL: every report against figures computed by hand on a fixed
 * data set (two months, a split, a transfer, a euro account at two rates, a purchase at 23:30 local
 * time on the last day of January); splits refused at commit, also when built over several
 * statements; currency conversion at the rate of each row's date and the missing-rate error; time
 * zones deciding the month; and on a random data set, every total equal to a sum over the raw rows
 * computed here, in BigInt, without the database's help.
 */
import t from 'tap';
import { transaction, type Db } from '../../src/lib/core/db.js';
import { CheckViolation, NotFound } from '../../src/lib/core/errors.js';
import * as ex from '../../src/lib/expense/index.js';
import { testDb } from '../helpers/db.js';
import '../helpers/expense.js';

t.setTimeout(120_000);
type Tap = Pick<typeof t, 'ok' | 'equal'>;

/** Awaits a refusal: asserts the error's class and the constraint it names. */
async function refused(t: Tap, p: Promise<unknown>, Class: abstract new (...a: never[]) => Error, constraint?: string) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof Class, `refused with ${Class.name}`);
  if (constraint) t.equal((err as { constraint?: string }).constraint, constraint);
}

async function setUp(db: Db, email: string, timeZone: string) {
  const { user_id: user } = await ex.signUp(db, email, 'correct horse');
  const plan = (await ex.createPlan(db, user, { name: 'Fixed', currency_iso_code: 'USD', time_zone: timeZone })).id;
  return { user, plan };
}

t.test('reports on a fixed data set, against hand-computed figures', async (t) => {
  const { sql } = await testDb(t);
  const { user, plan } = await setUp(sql, 'fixed@example.com', 'America/New_York');
  const acct = async (name: string, currency?: string) =>
    (await ex.createAccount(sql, user, plan, { name, type: 'checking', balance: 0, currency_iso_code: currency }))
      .account;
  const checking = await acct('Checking');
  const savings = await acct('Savings');
  const euro = await acct('Euro cash', 'EUR');
  const group = await ex.createCategoryGroup(sql, user, plan, 'Living');
  const food = (await ex.createCategory(sql, user, plan, { category_group_id: group.id, name: 'Food' })).id;
  const rent = (await ex.createCategory(sql, user, plan, { category_group_id: group.id, name: 'Rent' })).id;
  await ex.setExchangeRates(sql, user, plan, [
    { currency_iso_code: 'EUR', date: '2024-01-01', rate: '1.10' },
    { currency_iso_code: 'EUR', date: '2024-02-15', rate: '1.20' },
  ]);
  await ex.setMonthBudget(sql, user, plan, '2024-01-01', food, 100_000);
  await ex.setMonthBudget(sql, user, plan, '2024-01-01', rent, 1_200_000);
  await ex.setMonthBudget(sql, user, plan, '2024-02-01', food, 100_000);

  const created = await ex.createTransactions(sql, user, plan, [
    { account_id: checking.id, date: '2024-01-05', amount: 3_000_000, payee_name: 'Employer' },
    { account_id: checking.id, date: '2024-01-10', amount: -1_200_000, payee_name: 'Landlord', category_id: rent },
    { account_id: checking.id, date: '2024-01-20', amount: -50_000, payee_name: 'Grocer', category_id: food },
    // 23:30 in New York on 31 January is 04:30 UTC on 1 February: it is January's.
    {
      account_id: checking.id,
      posted_at: '2024-01-31T23:30:00-05:00',
      amount: -10_000,
      payee_name: 'grocer',
      category_id: food,
    },
    {
      account_id: checking.id,
      date: '2024-02-03',
      amount: -100_000,
      payee_name: 'Market',
      subtransactions: [
        { amount: -70_000, category_id: food },
        { amount: -30_000, category_id: rent },
      ],
    },
    { account_id: euro.id, date: '2024-02-10', amount: -10_001, category_id: food }, // 1.10: -11001.1 -> -11001
    { account_id: euro.id, date: '2024-02-20', amount: -10_001, category_id: food }, // 1.20: -12001.2 -> -12001
    { account_id: checking.id, date: '2024-02-12', amount: -500_000, payee_id: savings.transfer_payee_id },
  ]);
  t.equal(created.transactions.length, 8, "the eight rows (a transfer's mirror is not one of the created)");
  const late = created.transactions.find((x) => x.amount === -10_000)!;
  t.equal(late.date, '2024-01-31', 'the timestamp is dated in the plan time zone');
  t.equal(late.payee_name, 'Grocer', 'payee names match whatever the case');

  const range = { since: '2024-01-01', until: '2024-02-29' };
  const totals = await ex.reportTotals(sql, user, plan, range);
  t.same(totals.total, { total: 1_616_998, inflow: 3_000_000, outflow: -1_383_002, count: 8, average: 202_125 });
  const by = (rows: { key: string | null; total: number; count: number; average: number }[]) =>
    Object.fromEntries(rows.map((r) => [r.key ?? 'none', [r.total, r.count, r.average]]));
  t.same(by(totals.by_category), {
    [food]: [-153_002, 5, -30_600],
    [rent]: [-1_230_000, 2, -615_000],
    none: [3_000_000, 1, 3_000_000],
  });
  t.same(by(totals.by_month), { '2024-01-01': [1_740_000, 4, 435_000], '2024-02-01': [-123_002, 4, -30_751] });
  t.same(by(totals.by_account), { [checking.id]: [1_640_000, 6, 273_333], [euro.id]: [-23_002, 2, -11_501] });
  t.same(
    totals.by_payee.map((p) => [p.name, p.total, p.count]).sort(),
    [
      ['Employer', 3_000_000, 1],
      ['Grocer', -60_000, 2],
      ['Landlord', -1_200_000, 1],
      ['Market', -100_000, 2],
      [null, -23_002, 2],
    ].sort(),
  );

  const jan = await ex.getMonth(sql, user, plan, '2024-01-01');
  t.match(jan, {
    month: '2024-01-01',
    income: 3_000_000,
    budgeted: 1_300_000,
    activity: -1_260_000,
    to_be_budgeted: 1_700_000,
  });
  const cat = (m: typeof jan, id: string) => {
    const c = m.categories.find((x) => x.id === id)!;
    return [c.budgeted, c.activity, c.balance];
  };
  t.same(cat(jan, food), [100_000, -60_000, 40_000]);
  t.same(cat(jan, rent), [1_200_000, -1_200_000, 0]);
  const feb = await ex.getMonth(sql, user, plan, '2024-02-01');
  t.match(feb, { income: 0, budgeted: 100_000, activity: -123_002, to_be_budgeted: 1_600_000 });
  t.same(cat(feb, food), [100_000, -93_002, 46_998], 'balance carries January over');
  t.same(cat(feb, rent), [0, -30_000, -30_000]);
  t.equal(
    feb.to_be_budgeted + feb.categories.reduce((s, c) => s + c.balance, 0),
    1_616_998,
    'to be budgeted + balances = the money in budget accounts, to the milliunit',
  );

  const months = await ex.listMonths(sql, user, plan);
  t.match(months.months.slice(0, 2), [
    { month: '2024-01-01', income: 3_000_000, budgeted: 1_300_000, activity: -1_260_000, to_be_budgeted: 1_700_000 },
    { month: '2024-02-01', income: 0, budgeted: 100_000, activity: -123_002, to_be_budgeted: 1_600_000 },
  ]);

  const weekday = await ex.reportWeekday(sql, user, plan, range);
  t.same(
    weekday.series.map((w) => [w.weekday, w.total, w.count, w.average]),
    [
      [1, 0, 0, 0],
      [2, -12_001, 1, -12_001],
      [3, -1_210_000, 2, -605_000],
      [4, 0, 0, 0],
      [5, 0, 0, 0],
      [6, -161_001, 4, -40_250],
      [7, 0, 0, 0],
    ],
  );

  const bva = await ex.reportBudgetVsActual(sql, user, plan, range);
  t.same(
    bva.series.map((s) => [s.category_name, s.points.map((p) => [p.month, p.budgeted, p.activity, p.remaining])]),
    [
      [
        'Food',
        [
          ['2024-01-01', 100_000, -60_000, 40_000],
          ['2024-02-01', 100_000, -93_002, 6_998],
        ],
      ],
      [
        'Rent',
        [
          ['2024-01-01', 1_200_000, -1_200_000, 0],
          ['2024-02-01', 0, -30_000, -30_000],
        ],
      ],
    ],
  );

  const mom = await ex.reportMonthOverMonth(sql, user, plan, range);
  t.same(mom.total, [
    { month: '2024-01-01', total: 1_740_000, change: 1_740_000 },
    { month: '2024-02-01', total: -123_002, change: -1_863_002 },
  ]);
  t.same(mom.by_category.find((c) => c.category_id === food)?.points, [
    { month: '2024-01-01', total: -60_000, change: -60_000 },
    { month: '2024-02-01', total: -93_002, change: -33_002 },
  ]);

  const run = await ex.reportRunningBalance(sql, user, plan, { ...range, account_id: checking.id });
  t.same(
    run.series[0]?.points.map((p) => [p.date, p.balance]),
    [
      ['2024-01-05', 3_000_000],
      ['2024-01-10', 1_800_000],
      ['2024-01-20', 1_750_000],
      ['2024-01-31', 1_740_000],
      ['2024-02-03', 1_640_000],
      ['2024-02-12', 1_140_000],
    ],
  );
  const fromFeb = await ex.reportRunningBalance(sql, user, plan, { since: '2024-02-01', until: '2024-02-29' });
  t.same(
    fromFeb.series.map((s) => [s.account_name, s.points.map((p) => p.balance)]),
    [
      ['Checking', [1_640_000, 1_140_000]],
      ['Euro cash', [-10_001, -20_002]],
      ['Savings', [500_000]],
    ],
    'earlier rows count; each account in its own currency',
  );

  // a year of one plan's transactions, and a month of them
  const listed = await ex.listTransactions(sql, user, plan, { since_date: '2024-02-01' });
  t.equal(listed.transactions.length, 5);
  t.equal((await ex.listTransactions(sql, user, plan, { month: '2024-01-01' })).transactions.length, 4);
  const paged = await ex.listTransactions(sql, user, plan, { limit: 4 });
  t.equal(paged.transactions.length, 4);
  const second = await ex.listTransactions(sql, user, plan, { limit: 4, after: paged.next });
  const third = await ex.listTransactions(sql, user, plan, { limit: 4, after: second.next });
  t.same(
    [paged.transactions.length, second.transactions.length, third.transactions.length, third.next],
    [4, 4, 1, undefined],
    'nine rows with the mirror, in pages of four',
  );
  t.equal(new Set([...paged.transactions, ...second.transactions, ...third.transactions].map((x) => x.id)).size, 9);

  // someone else's plan is not found, whatever they ask for
  const other = await ex.signUp(sql, 'other@example.com', 'correct horse');
  await t.rejects(ex.reportTotals(sql, other.user_id, plan), NotFound);
  await t.rejects(ex.getMonth(sql, other.user_id, plan), NotFound);
  await t.rejects(ex.listTransactions(sql, other.user_id, plan), NotFound);
  await t.rejects(
    ex.createTransactions(sql, other.user_id, plan, [{ account_id: checking.id, date: '2024-01-01', amount: 1 }]),
    NotFound,
  );
});

t.test('splits that do not sum are refused at commit, also over several statements', async (t) => {
  const { sql } = await testDb(t);
  const { user, plan } = await setUp(sql, 'splits@example.com', 'UTC');
  const { account } = await ex.createAccount(sql, user, plan, { name: 'A', type: 'cash', balance: 0 });
  const { account: other } = await ex.createAccount(sql, user, plan, { name: 'B', type: 'cash', balance: 0 });
  const bad = ex.createTransactions(sql, user, plan, [
    { account_id: account.id, date: '2024-03-01', amount: -100, subtransactions: [{ amount: -60 }, { amount: -30 }] },
  ]);
  await refused(t, bad, CheckViolation, 'transactions_splits_sum');

  const [parent] = (
    await ex.createTransactions(sql, user, plan, [{ account_id: account.id, date: '2024-03-01', amount: -100 }])
  ).transaction_ids;
  const addLine = (tx: import('postgres').TransactionSql, amount: number) =>
    tx`insert into expense.subtransactions (transaction_id, plan_id, amount) values (${parent!}, ${plan}, ${amount})`;
  // two statements whose lines sum only together: accepted
  await transaction(sql, async (tx) => {
    await addLine(tx, -60);
    await addLine(tx, -40);
  });
  // a third line breaks the sum: refused at commit, not at the insert
  await refused(
    t,
    transaction(sql, async (tx) => {
      await addLine(tx, -1);
      t.pass('the insert itself is accepted: the check waits for commit');
    }),
    CheckViolation,
    'transactions_splits_sum',
  );
  // changing the parent's amount alone breaks it too
  await refused(
    t,
    ex.updateTransaction(sql, user, plan, parent!, { amount: -99 }),
    CheckViolation,
    'transactions_splits_sum',
  );
  // replacing the lines with the amount: accepted
  const fixed = await ex.updateTransaction(sql, user, plan, parent!, {
    amount: -99,
    subtransactions: [{ amount: -50 }, { amount: -49 }],
  });
  t.same(
    fixed.transaction.subtransactions
      .filter((s) => !s.deleted)
      .map((s) => s.amount)
      .sort(),
    [-50, -49].sort(),
  );
  // a transfer row alone cannot exist
  await refused(
    t,
    transaction(
      sql,
      (tx) =>
        tx`update expense.transactions set transfer_account_id = ${other.id}, transfer_transaction_id = id where id = ${parent!}`,
    ),
    CheckViolation,
    'transactions_transfer_pair',
  );
  // nor a transfer to its own account
  await refused(
    t,
    ex.createTransactions(sql, user, plan, [
      { account_id: account.id, date: '2024-03-02', amount: -5, payee_id: account.transfer_payee_id },
    ]),
    CheckViolation,
    'transactions_transfer_self_check',
  );
});

t.test('currency conversion at the rate of each date; a missing rate is an error, not a guess', async (t) => {
  const { sql } = await testDb(t);
  const { user, plan } = await setUp(sql, 'fx@example.com', 'UTC');
  const eur = (
    await ex.createAccount(sql, user, plan, { name: 'EUR', type: 'cash', balance: 0, currency_iso_code: 'EUR' })
  ).account;
  await ex.createTransactions(sql, user, plan, [
    { account_id: eur.id, date: '2024-05-01', amount: -1_000 },
    { account_id: eur.id, date: '2024-05-02', amount: -1_000 },
  ]);
  await t.rejects(
    ex.reportTotals(sql, user, plan, { since: '2024-05-01', until: '2024-05-31' }),
    ex.MissingExchangeRate,
  );
  await ex.setExchangeRates(sql, user, plan, [
    { currency_iso_code: 'EUR', date: '2024-05-01', rate: '1.0825' },
    { currency_iso_code: 'EUR', date: '2024-05-02', rate: '0.5' },
  ]);
  const totals = await ex.reportTotals(sql, user, plan, { since: '2024-05-01', until: '2024-05-31' });
  t.same(
    totals.by_month.map((m) => m.total),
    [-1_083 + -500],
    '-1000 at 1.0825 is -1082.5, rounded half away from zero to -1083; then -500 at 0.5',
  );
  // the day before the first rate has none: refused, even in a range that starts later for the month summary
  await ex.createTransactions(sql, user, plan, [{ account_id: eur.id, date: '2024-04-30', amount: -1 }]);
  await t.rejects(ex.getMonth(sql, user, plan, '2024-05-01'), ex.MissingExchangeRate);
  await refused(
    t,
    ex.setExchangeRates(sql, user, plan, [{ currency_iso_code: 'EUR', date: '2024-01-01', rate: '0' }]),
    CheckViolation,
    'exchange_rates_rate_check',
  );
});

t.test('the time zone decides the month of a timestamp and what "current" means', async (t) => {
  const { sql } = await testDb(t);
  const at = '2024-01-31T23:30:00-05:00'; // 2024-02-01 04:30 UTC
  const dated = async (email: string, zone: string) => {
    const { user, plan } = await setUp(sql, email, zone);
    const { account } = await ex.createAccount(sql, user, plan, { name: 'A', type: 'cash', balance: 0 });
    const group = await ex.createCategoryGroup(sql, user, plan, 'G');
    const c = await ex.createCategory(sql, user, plan, { category_group_id: group.id, name: 'C' });
    const [row] = (
      await ex.createTransactions(sql, user, plan, [
        { account_id: account.id, posted_at: at, amount: -5, category_id: c.id },
      ])
    ).transactions;
    const jan = await ex.getMonth(sql, user, plan, '2024-01-01');
    const imported = await ex.importTransactions(sql, user, plan, account.id, [{ posted_at: at, amount: -7 }]);
    const janAfter = await ex.getMonth(sql, user, plan, '2024-01-01');
    return { date: row!.date, janActivity: jan.activity, imported, janTotal: janAfter.categories.length, user, plan };
  };
  const ny = await dated('ny@example.com', 'America/New_York');
  t.equal(ny.date, '2024-01-31');
  t.equal(ny.janActivity, -5, 'in New York the expense is January’s');
  const utc = await dated('utc@example.com', 'UTC');
  t.equal(utc.date, '2024-02-01');
  t.equal(utc.janActivity, 0, 'in UTC it is February’s');
  const tokyo = await dated('tokyo@example.com', 'Asia/Tokyo');
  t.equal(tokyo.date, '2024-02-01');
  const nyRows = await ex.listTransactions(sql, ny.user, ny.plan, { month: '2024-01-01' });
  t.same(
    nyRows.transactions.map((x) => [x.date, x.amount, x.import_id]).sort(),
    [
      ['2024-01-31', -5, null],
      ['2024-01-31', -7, 'YNAB:-7:2024-01-31:1'],
    ].sort(),
    'the import id is formed from the local date',
  );
  await refused(
    t,
    ex.createPlan(sql, ny.user, { name: 'x', currency_iso_code: 'USD', time_zone: 'Mars/Olympus' }),
    CheckViolation,
    'plans_time_zone_check',
  );
  await refused(
    t,
    ex.createPlan(sql, ny.user, { name: 'x', currency_iso_code: 'usd', time_zone: 'UTC' }),
    CheckViolation,
    'plans_currency_iso_code_check',
  );
});

/** x * rate rounded half away from zero, in BigInt: rate is decimal text. */
function convert(amount: bigint, rate: string): bigint {
  const [whole, frac = ''] = rate.split('.');
  const scale = 10n ** BigInt(frac.length);
  const r = BigInt(whole! + frac);
  const num = amount * r;
  const q = num / scale;
  const rem = num % scale;
  const twice = (rem < 0n ? -rem : rem) * 2n;
  return twice >= scale ? q + (num < 0n ? -1n : 1n) : q;
}

t.test('money never loses a unit: every total equals a sum over the raw rows', async (t) => {
  const { sql } = await testDb(t);
  const { user, plan } = await setUp(sql, 'sum@example.com', 'Europe/Paris');
  const usd = (await ex.createAccount(sql, user, plan, { name: 'USD', type: 'checking', balance: 0 })).account;
  const eur = (
    await ex.createAccount(sql, user, plan, { name: 'EUR', type: 'cash', balance: 0, currency_iso_code: 'EUR' })
  ).account;
  const group = await ex.createCategoryGroup(sql, user, plan, 'G');
  const cats: string[] = [];
  for (const n of ['a', 'b', 'c', 'd'])
    cats.push((await ex.createCategory(sql, user, plan, { category_group_id: group.id, name: n })).id);
  const rates = [
    { currency_iso_code: 'EUR', date: '2023-01-01', rate: '1.0837' },
    { currency_iso_code: 'EUR', date: '2023-04-01', rate: '1.0911' },
    { currency_iso_code: 'EUR', date: '2023-08-15', rate: '1.0695' },
  ];
  await ex.setExchangeRates(sql, user, plan, rates);
  // a deterministic pseudo-random data set: 400 rows, some split, amounts with odd milliunits
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor(seed / 65536) % n;
  };
  const rows: ex.NewTransaction[] = [];
  for (let i = 0; i < 400; i++) {
    const amount = (rnd(2) ? -1 : 1) * (1 + rnd(9_999_999));
    const date = `2023-${String(1 + rnd(12)).padStart(2, '0')}-${String(1 + rnd(28)).padStart(2, '0')}`;
    const row: ex.NewTransaction = { account_id: rnd(3) ? usd.id : eur.id, date, amount, category_id: cats[rnd(4)]! };
    if (rnd(5) === 0) {
      const first = Math.trunc(amount / 3);
      row.category_id = null;
      row.subtransactions = [
        { amount: first, category_id: cats[rnd(4)]! },
        { amount: amount - first, category_id: cats[rnd(4)]! },
      ];
    }
    rows.push(row);
  }
  await ex.createTransactions(sql, user, plan, rows);

  // the raw rows, read back and converted here
  const raw = await sql<{ amount: string; currency: string; date: string; category: string | null }[]>`
    select coalesce(s.amount, t.amount)::text as amount, a.currency_iso_code as currency,
           to_char(t.date, 'YYYY-MM-DD') as date, coalesce(s.category_id, t.category_id)::text as category
      from expense.transactions t
      join expense.accounts a on a.id = t.account_id
      left join expense.subtransactions s on s.transaction_id = t.id and not s.deleted
     where t.plan_id = ${plan} and not t.deleted`;
  const rateOn = (date: string) => rates.filter((r) => r.date <= date).at(-1)!.rate;
  const inPlan = raw.map((r) => ({
    ...r,
    usd: r.currency === 'USD' ? BigInt(r.amount) : convert(BigInt(r.amount), rateOn(r.date)),
  }));
  const expected = inPlan.reduce((s, r) => s + r.usd, 0n);

  const totals = await ex.reportTotals(sql, user, plan, { since: '2023-01-01', until: '2023-12-31' });
  t.equal(BigInt(totals.total.total), expected, 'the grand total');
  t.equal(totals.total.count, raw.length);
  for (const series of [totals.by_category, totals.by_month, totals.by_account, totals.by_payee])
    t.equal(BigInt(series.reduce((s, r) => s + r.total, 0)), expected, 'each breakdown sums to the grand total');
  for (const c of cats) {
    const mine = inPlan.filter((r) => r.category === c).reduce((s, r) => s + r.usd, 0n);
    t.equal(BigInt(totals.by_category.find((x) => x.key === c)!.total), mine, `category ${c}`);
  }
  const mom = await ex.reportMonthOverMonth(sql, user, plan, { since: '2023-01-01', until: '2023-12-31' });
  t.equal(BigInt(mom.total.reduce((s, p) => s + p.change, 0)), BigInt(mom.total.at(-1)!.total), 'changes telescope');
  t.equal(BigInt(mom.total.reduce((s, p) => s + p.total, 0)), expected);
  const dec = await ex.getMonth(sql, user, plan, '2023-12-01');
  t.equal(
    BigInt(dec.to_be_budgeted + dec.categories.reduce((s, c) => s + c.balance, 0)),
    expected,
    'to be budgeted + category balances = all the money',
  );
  const weekday = await ex.reportWeekday(sql, user, plan, { since: '2023-01-01', until: '2023-12-31' });
  t.equal(
    BigInt(weekday.series.reduce((s, w) => s + w.total, 0)),
    inPlan.filter((r) => r.usd < 0n).reduce((s, r) => s + r.usd, 0n),
    'weekday spending sums to all outflows',
  );
  const balances = await ex.listAccounts(sql, user, plan);
  for (const a of balances.accounts) {
    const mine = (
      await sql<
        { s: string }[]
      >`select coalesce(sum(amount), 0)::text as s from expense.transactions where account_id = ${a.id} and not deleted`
    )[0]!.s;
    t.equal(String(a.balance), mine, `balance of ${a.name}`);
  }
});

t.test('csv parsing keeps every milliunit and refuses what it cannot read', async (t) => {
  t.same(
    ex.parseCsv('date,amount,payee,memo\n2024-01-02,-12.34,"ACME, Inc.","a ""quoted"" memo"\n2024-01-03,0.1,,\n'),
    [
      { amount: -12_340, date: '2024-01-02', payee_name: 'ACME, Inc.', memo: 'a "quoted" memo' },
      { amount: 100, date: '2024-01-03' },
    ],
  );
  t.same(ex.parseCsv('posted_at,amount_milliunits,id\r\n2024-01-31T23:30:00-05:00,-5,F1\r\n'), [
    { amount: -5, posted_at: '2024-01-31T23:30:00-05:00', fitid: 'F1' },
  ]);
  t.throws(() => ex.parseCsv('date,amount\n2024-01-02,12.3456\n'), ex.CsvError);
  t.throws(() => ex.parseCsv('date,amount\n02/01/2024,1\n'), ex.CsvError);
  t.throws(() => ex.parseCsv('when,amount\n'), ex.CsvError);
  t.throws(() => ex.parseCsv(''), ex.CsvError);
  t.equal(ex.milliunits('1,234.5'), 1_234_500);
  t.throws(() => ex.money('9007199254740993'), RangeError);
});
