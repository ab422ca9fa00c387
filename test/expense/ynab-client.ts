/**
 * The real `ynab` 4.1.0 npm client against /expense/v1: user, plans, accounts, categories, payees,
 * months, transactions (create one and many with import_id duplicates, list with since_date, type
 * and last_knowledge_of_server, by account/category/payee/month, update, delete) and scheduled
 * transactions. The client parses every response into its own models, so a field it needs that is
 * missing or misnamed fails here.
 */
import t from 'tap';
import * as ynab from 'ynab';
import { testDb } from '../helpers/db.js';
import { API, userWithPlan } from '../helpers/expense.js';
import { testServer } from '../helpers/http.js';

t.setTimeout(120_000);

const today = new Date().toISOString().slice(0, 10);
const thisMonth = `${today.slice(0, 7)}-01`;

t.test('the ynab client drives the budget end to end', async (t) => {
  const { sql } = await testDb(t);
  const server = await testServer(t, sql);
  const { token, planId, userId } = await userWithPlan(server, 'ynab@example.com', { time_zone: 'UTC' });
  const api = new ynab.API(token, `${server.base}${API}`);

  t.equal((await api.user.getUser()).data.user.id, userId);
  const plans = await api.plans.getPlans();
  t.same(
    plans.data.plans.map((p) => p.id),
    [planId],
  );
  t.equal(plans.data.plans[0]!.currency_format?.iso_code, 'USD');
  t.equal((await api.plans.getPlanById(planId)).data.plan.name, 'Home');

  // accounts: a starting balance is a cleared inflow; the transfer payee comes with the account
  const checking = (
    await api.accounts.createAccount(planId, { account: { name: 'Checking', type: 'checking', balance: 1_000_000 } })
  ).data.account;
  t.match(checking, { name: 'Checking', balance: 1_000_000, cleared_balance: 1_000_000, on_budget: true });
  const savings = (
    await api.accounts.createAccount(planId, { account: { name: 'Savings', type: 'savings', balance: 0 } })
  ).data.account;
  const accounts = await api.accounts.getAccounts(planId);
  t.same(
    accounts.data.accounts.map((a) => a.name),
    ['Checking', 'Savings'],
  );

  // categories
  const group = (await api.categories.createCategoryGroup(planId, { category_group: { name: 'Living' } })).data
    .category_group;
  const food = (
    await api.categories.createCategory(planId, { category: { name: 'Food', category_group_id: group.id } })
  ).data.category;
  const rent = (
    await api.categories.createCategory(planId, { category: { name: 'Rent', category_group_id: group.id } })
  ).data.category;
  const budgeted = await api.categories.updateMonthCategory(planId, 'current', food.id, {
    category: { budgeted: 300_000 },
  });
  t.match(budgeted.data.category, { id: food.id, budgeted: 300_000, activity: 0, balance: 300_000 });
  const cats = await api.categories.getCategories(planId);
  t.same(
    cats.data.category_groups.map((g) => [g.name, g.categories.map((c) => c.name)]),
    [['Living', ['Food', 'Rent']]],
  );

  // one transaction with an import_id, then the same again: a duplicate, nothing created
  const first = await api.transactions.createTransaction(planId, {
    transaction: {
      account_id: checking.id,
      date: today,
      amount: -12_340,
      payee_name: 'Grocer',
      category_id: food.id,
      import_id: 'YNAB:-12340:test:1',
      cleared: 'cleared',
      approved: true,
    },
  });
  t.equal(first.data.transaction_ids.length, 1);
  t.match(first.data.transaction, { amount: -12_340, payee_name: 'Grocer', category_name: 'Food', cleared: 'cleared' });
  const again = await api.transactions.createTransaction(planId, {
    transaction: { account_id: checking.id, date: today, amount: -12_340, import_id: 'YNAB:-12340:test:1' },
  });
  t.same(again.data.transaction_ids, []);
  t.same(again.data.duplicate_import_ids, ['YNAB:-12340:test:1']);

  // many: a split and a transfer to savings
  const many = await api.transactions.createTransactions(planId, {
    transactions: [
      {
        account_id: checking.id,
        date: today,
        amount: -100_000,
        payee_name: 'Market',
        subtransactions: [
          { amount: -60_000, category_id: food.id },
          { amount: -40_000, category_id: rent.id, memo: 'part of rent' },
        ],
      },
      { account_id: checking.id, date: today, amount: -200_000, payee_id: savings.transfer_payee_id },
    ],
  });
  t.equal(many.data.transactions?.length, 2);
  const split = many.data.transactions!.find((x) => x.amount === -100_000)!;
  t.same(split.subtransactions.map((s) => [s.amount, s.category_name]).sort(), [
    [-40_000, 'Rent'],
    [-60_000, 'Food'],
  ]);
  const transfer = many.data.transactions!.find((x) => x.amount === -200_000)!;
  t.equal(transfer.transfer_account_id, savings.id);
  t.ok(transfer.transfer_transaction_id);

  const all = await api.transactions.getTransactions(planId);
  // starting balance, grocer, split, transfer out, transfer in
  t.equal(all.data.transactions.length, 5);
  t.equal((await api.transactions.getTransactions(planId, today)).data.transactions.length, 5);
  t.equal((await api.transactions.getTransactions(planId, '2999-01-01')).data.transactions.length, 0);
  const unapproved = await api.transactions.getTransactions(planId, undefined, 'unapproved');
  t.same(unapproved.data.transactions.map((x) => x.amount).sort(), [-200_000, -100_000, 200_000].sort());
  const uncategorized = await api.transactions.getTransactions(planId, undefined, 'uncategorized');
  t.same(
    uncategorized.data.transactions.map((x) => x.amount),
    [1_000_000],
    'only the starting balance: the split has lines, transfers are not uncategorized',
  );
  const inSavings = await api.transactions.getTransactionsByAccount(planId, savings.id);
  t.same(
    inSavings.data.transactions.map((x) => x.amount),
    [200_000],
  );
  t.equal(
    (await api.accounts.getAccountById(planId, savings.id)).data.account.balance,
    200_000,
    'the transfer mirror sits in savings',
  );
  const byFood = await api.transactions.getTransactionsByCategory(planId, food.id);
  t.same(byFood.data.transactions.map((x) => x.amount).sort(), [-100_000, -12_340].sort(), 'a split line counts');
  const payees = (await api.payees.getPayees(planId)).data.payees;
  const grocer = payees.find((p) => p.name === 'Grocer')!;
  t.same(
    (await api.transactions.getTransactionsByPayee(planId, grocer.id)).data.transactions.map((x) => x.amount),
    [-12_340],
  );
  t.equal((await api.transactions.getTransactionsByMonth(planId, thisMonth)).data.transactions.length, 5);

  // months: food budgeted 300.000, spent 12.340 + 60.000
  const month = (await api.months.getPlanMonth(planId, 'current')).data.month;
  const foodMonth = month.categories.find((c) => c.id === food.id)!;
  t.match(foodMonth, { budgeted: 300_000, activity: -72_340, balance: 227_660 });
  t.match(month, { income: 1_000_000, budgeted: 300_000, activity: -112_340, to_be_budgeted: 700_000 });
  const months = await api.months.getPlanMonths(planId);
  t.match(months.data.months.at(-1), { month: thisMonth, to_be_budgeted: 700_000 });

  // delta sync: what changed since the knowledge of the full list, tombstones included
  const k = all.data.server_knowledge;
  const grocerTx = first.data.transaction!;
  const updated = await api.transactions.updateTransaction(planId, grocerTx.id, {
    transaction: { memo: 'weekly shop' },
  });
  t.equal(updated.data.transaction.memo, 'weekly shop');
  t.ok(updated.data.server_knowledge > k);
  const removed = await api.transactions.deleteTransaction(planId, transfer.id);
  t.equal(removed.data.transaction.deleted, true);
  const delta = await api.transactions.getTransactions(planId, undefined, undefined, k);
  t.same(
    delta.data.transactions.map((x) => [x.amount, x.deleted]).sort(),
    [
      [-200_000, true],
      [-12_340, false],
      [200_000, true],
    ].sort(),
    'the update, and both rows of the deleted transfer as tombstones',
  );
  const k2 = delta.data.server_knowledge;
  t.same((await api.transactions.getTransactions(planId, undefined, undefined, k2)).data.transactions, []);
  t.equal((await api.transactions.getTransactions(planId)).data.transactions.length, 3, 'tombstones are not listed');
  const accountsDelta = await api.accounts.getAccounts(planId, k);
  t.same(accountsDelta.data.accounts, [], 'no account changed since');

  // scheduled transactions
  const sched = await api.scheduledTransactions.createScheduledTransaction(planId, {
    scheduled_transaction: {
      account_id: checking.id,
      date: today,
      amount: -900_000,
      frequency: 'monthly',
      category_id: rent.id,
    },
  });
  const sid = sched.data.scheduled_transaction.id;
  t.match(sched.data.scheduled_transaction, { frequency: 'monthly', amount: -900_000, category_name: 'Rent' });
  t.equal((await api.scheduledTransactions.getScheduledTransactions(planId)).data.scheduled_transactions.length, 1);
  t.equal(
    (await api.scheduledTransactions.getScheduledTransactionById(planId, sid)).data.scheduled_transaction.id,
    sid,
  );
  const moved = await api.scheduledTransactions.updateScheduledTransaction(planId, sid, {
    scheduled_transaction: {
      account_id: checking.id,
      date: today,
      amount: -950_000,
      frequency: 'yearly',
      memo: 'rent up',
    },
  });
  t.match(moved.data.scheduled_transaction, { amount: -950_000, frequency: 'yearly', memo: 'rent up' });
  t.notOk(moved.data.scheduled_transaction.category_id, 'PUT replaces: no category given, none kept');
  t.equal(
    (await api.scheduledTransactions.deleteScheduledTransaction(planId, sid)).data.scheduled_transaction.deleted,
    true,
  );
  t.same((await api.scheduledTransactions.getScheduledTransactions(planId)).data.scheduled_transactions, []);

  // errors come in YNAB's shape, which the client throws as is
  const missing = await api.plans.getPlanById('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
  t.match(missing, { error: { id: '404', name: 'not_found' } });
  const stranger = new ynab.API('x'.repeat(43), `${server.base}${API}`);
  t.match(await stranger.user.getUser().catch((e: unknown) => e), { error: { id: '401' } });
  const badSplit = await api.transactions
    .createTransaction(planId, {
      transaction: {
        account_id: checking.id,
        date: today,
        amount: -100_000,
        subtransactions: [{ amount: -60_000 }, { amount: -30_000 }],
      },
    })
    .catch((e: unknown) => e);
  t.match(badSplit, { error: { id: '422', detail: /sum/ } }, 'split lines that do not sum are refused at commit');
});
