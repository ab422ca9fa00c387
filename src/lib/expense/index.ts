/**
 * pg-grind/expense: a YNAB-style budget over PostgreSQL. Money is integer milliunits everywhere
 * (bigint in SQL, integers in JSON); the month summary and every report is one SQL statement;
 * every change bumps the plan's server_knowledge so clients sync deltas; split lines and
 * transfer pairs are checked by deferred constraint triggers at commit. Every function takes `db`
 * (pool or transaction) first and the acting user's id second: a plan that is not theirs is
 * `NotFound`, exactly like a missing one. The SQL is in sql/expense/.
 */
import { createHash, randomBytes } from 'node:crypto';
import { exec, loadSql, many, maybeOne, transaction, type Db } from '../core/db.js';
import { decodeCursor, encodeCursor } from '../core/cursor.js';
import { InvalidCursor, NotFound } from '../core/errors.js';
import { pageLimit, type PageSize } from '../core/page.js';
import { hashPassword, verifyNothing, verifyPassword, type PasswordOptions } from '../core/password.js';
import { MissingExchangeRate } from './errors.js';

export { MissingExchangeRate };

const q = loadSql('expense', [
  'create_user',
  'find_credentials',
  'create_token',
  'find_token_user',
  'create_plan',
  'list_plans',
  'find_plan',
  'create_account',
  'list_accounts',
  'find_account',
  'create_category_group',
  'create_category',
  'list_categories',
  'create_payee',
  'list_payees',
  'create_transactions',
  'find_transactions',
  'list_transactions',
  'list_transactions_changed',
  'update_transaction',
  'delete_transaction',
  'get_month',
  'list_months',
  'set_month_budget',
  'create_scheduled_transaction',
  'list_scheduled_transactions',
  'update_scheduled_transaction',
  'delete_scheduled_transaction',
  'set_exchange_rates',
  'import_transactions',
  'report_totals',
  'report_running_balance',
  'report_month_over_month',
  'report_weekday',
  'report_budget_vs_actual',
]);

/** A uuid, as text. */
export type Uuid = string;

// ----------------------------------------------------------------------------- JSON shapes (SQL-built)

/** A split line (YNAB SubTransaction). */
export interface SubTransaction {
  id: Uuid;
  transaction_id: Uuid;
  amount: number;
  memo: string | null;
  payee_id: Uuid | null;
  payee_name: string | null;
  category_id: Uuid | null;
  category_name: string | null;
  transfer_account_id: null;
  transfer_transaction_id: null;
  deleted: boolean;
}

/** A transaction as YNAB's TransactionDetail; built by expense.transaction_details. */
export interface TransactionDetail {
  id: Uuid;
  date: string;
  amount: number;
  memo: string | null;
  cleared: Cleared;
  approved: boolean;
  flag_color: FlagColor | null;
  account_id: Uuid;
  account_name: string;
  payee_id: Uuid | null;
  payee_name: string | null;
  category_id: Uuid | null;
  category_name: string | null;
  transfer_account_id: Uuid | null;
  transfer_transaction_id: Uuid | null;
  matched_transaction_id: null;
  import_id: string | null;
  deleted: boolean;
  subtransactions: SubTransaction[];
}

/** An account as YNAB's Account, plus its currency; built by expense.account_details. */
export interface Account {
  id: Uuid;
  name: string;
  type: AccountType;
  on_budget: boolean;
  closed: boolean;
  note: string | null;
  balance: number;
  cleared_balance: number;
  uncleared_balance: number;
  transfer_payee_id: Uuid;
  currency_iso_code: string;
  deleted: boolean;
}

/** A category with one month's figures (YNAB Category). */
export interface Category {
  id: Uuid;
  category_group_id: Uuid;
  category_group_name: string;
  name: string;
  hidden: boolean;
  note: string | null;
  budgeted: number;
  activity: number;
  balance: number;
  deleted: boolean;
}

export interface CategoryGroup {
  id: Uuid;
  name: string;
  hidden: boolean;
  deleted: boolean;
  categories: Category[];
}

export interface Payee {
  id: Uuid;
  name: string;
  transfer_account_id: Uuid | null;
  deleted: boolean;
}

export interface ScheduledTransaction {
  id: Uuid;
  date_first: string;
  date_next: string;
  frequency: Frequency;
  amount: number;
  memo: string | null;
  flag_color: FlagColor | null;
  account_id: Uuid;
  account_name: string;
  payee_id: Uuid | null;
  payee_name: string | null;
  category_id: Uuid | null;
  category_name: string | null;
  transfer_account_id: Uuid | null;
  deleted: boolean;
  subtransactions: never[];
}

export const ACCOUNT_TYPES = [
  'checking',
  'savings',
  'cash',
  'creditCard',
  'lineOfCredit',
  'otherAsset',
  'otherLiability',
  'mortgage',
  'autoLoan',
  'studentLoan',
  'personalLoan',
  'medicalDebt',
  'otherDebt',
] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];
export const CLEARED = ['cleared', 'uncleared', 'reconciled'] as const;
export type Cleared = (typeof CLEARED)[number];
export const FLAG_COLORS = ['red', 'orange', 'yellow', 'green', 'blue', 'purple'] as const;
export type FlagColor = (typeof FLAG_COLORS)[number];
export const FREQUENCIES = [
  'never',
  'daily',
  'weekly',
  'everyOtherWeek',
  'twiceAMonth',
  'every4Weeks',
  'monthly',
  'everyOtherMonth',
  'every3Months',
  'every4Months',
  'twiceAYear',
  'yearly',
  'everyOtherYear',
] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/**
 * A bigint that PostgreSQL sent as text, as a JSON-safe integer. Every amount column is bounded
 * (10^14 milliunits) so single rows always fit; a sum beyond 2^53 - 1 would lose units as a JSON
 * number, and is refused rather than rounded.
 */
export function money(value: string | number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError('amount beyond the exact range of a JSON number');
  return n;
}

// ------------------------------------------------------------------------------------- users, tokens

/** Access tokens live 90 days by default (YNAB's personal tokens do not expire; ours do). */
export const TOKEN_TTL_SECONDS = 90 * 24 * 3600;

const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest();
const newToken = () => randomBytes(32).toString('base64url');

/** Signs up; returns the user id and a first access token. Throws UniqueViolation (users_email_key), CheckViolation. */
export async function signUp(
  db: Db,
  email: string,
  password: string,
  opts: PasswordOptions & { ttlSeconds?: number } = {},
): Promise<{ user_id: Uuid; access_token: string }> {
  const hash = await hashPassword(password, opts);
  const token = newToken();
  const [row] = await many(db, q.create_user, [email, hash, tokenHash(token), opts.ttlSeconds ?? TOKEN_TTL_SECONDS]);
  return { user_id: row!.id, access_token: token };
}

/** A new access token when e-mail (any case) and password match, else undefined (same time either way). */
export async function logIn(
  db: Db,
  email: string,
  password: string,
  opts: PasswordOptions & { ttlSeconds?: number } = {},
): Promise<{ user_id: Uuid; access_token: string } | undefined> {
  const user = await maybeOne(db, q.find_credentials, [email]);
  if (!user) return verifyNothing(password, opts).then(() => undefined);
  if (!(await verifyPassword(password, user.password_hash))) return undefined;
  const token = newToken();
  await exec(db, q.create_token, [tokenHash(token), user.id, opts.ttlSeconds ?? TOKEN_TTL_SECONDS]);
  return { user_id: user.id, access_token: token };
}

/** The user a bearer token speaks for, or undefined (unknown or expired). */
export async function authenticate(db: Db, token: string): Promise<Uuid | undefined> {
  return (await maybeOne(db, q.find_token_user, [tokenHash(token)]))?.user_id;
}

// ---------------------------------------------------------------------------------------------- plans

export interface NewPlan {
  name: string;
  currency_iso_code: string;
  time_zone: string;
}

/** Creates a plan. Throws CheckViolation (plans_currency_iso_code_check, plans_time_zone_check, plans_name_check). */
export async function createPlan(db: Db, user: Uuid, plan: NewPlan) {
  const [row] = await many(db, q.create_plan, [user, plan.name, plan.currency_iso_code, plan.time_zone]);
  return row!;
}

/** The user's plans, with first and last month. */
export function listPlans(db: Db, user: Uuid) {
  return many(db, q.list_plans, [user]);
}

/** One plan; NotFound('plan') when missing or not the user's. */
export async function getPlan(db: Db, user: Uuid, plan: Uuid) {
  const row = await maybeOne(db, q.find_plan, [user, plan]);
  if (!row) throw new NotFound('plan');
  return row;
}

const orNotFound = <T>(row: T | undefined, entity: string): T => {
  if (row === undefined) throw new NotFound(entity);
  return row;
};

// ------------------------------------------------------------------------------------------- accounts

export interface NewAccount {
  name: string;
  type: AccountType;
  /** Starting balance, milliunits. */
  balance: number;
  currency_iso_code?: string | undefined;
  on_budget?: boolean | undefined;
}

/** Opens an account (with its transfer payee and starting balance). NotFound('plan'); CheckViolation. */
export async function createAccount(db: Db, user: Uuid, plan: Uuid, a: NewAccount) {
  const row = orNotFound(
    await maybeOne(db, q.create_account, [
      user,
      plan,
      a.name,
      a.type,
      String(a.balance),
      a.currency_iso_code ?? null,
      a.on_budget ?? null,
    ]),
    'plan',
  );
  return { account: row.json as unknown as Account, server_knowledge: money(row.server_knowledge) };
}

/** The plan's accounts (or those changed since `since`, tombstones included) and its knowledge. NotFound('plan'). */
export async function listAccounts(db: Db, user: Uuid, plan: Uuid, since?: number) {
  const row = orNotFound(await maybeOne(db, q.list_accounts, [user, plan, since ?? null]), 'plan');
  return { accounts: row.accounts as unknown as Account[], server_knowledge: money(row.server_knowledge) };
}

/** One account; NotFound('account'). */
export async function getAccount(db: Db, user: Uuid, plan: Uuid, account: Uuid): Promise<Account> {
  return orNotFound(await maybeOne(db, q.find_account, [user, plan, account]), 'account').json as unknown as Account;
}

// ------------------------------------------------------------------------------ categories and payees

/** Creates a category group. NotFound('plan'). */
export async function createCategoryGroup(db: Db, user: Uuid, plan: Uuid, name: string) {
  return orNotFound(await maybeOne(db, q.create_category_group, [user, plan, name]), 'plan');
}

/** Creates a category in a group of the plan. NotFound('plan'); ForeignKeyViolation (categories_category_group_id_fkey). */
export async function createCategory(
  db: Db,
  user: Uuid,
  plan: Uuid,
  c: { category_group_id: Uuid; name: string; note?: string | null | undefined },
) {
  return orNotFound(
    await maybeOne(db, q.create_category, [user, plan, c.category_group_id, c.name, c.note ?? null]),
    'plan',
  );
}

/** Groups with their categories (current month's figures) and the knowledge. NotFound('plan'). */
export async function listCategories(db: Db, user: Uuid, plan: Uuid, since?: number) {
  const row = orNotFound(await maybeOne(db, q.list_categories, [user, plan, since ?? null]), 'plan');
  return {
    category_groups: row.category_groups as unknown as CategoryGroup[],
    server_knowledge: money(row.server_knowledge),
  };
}

/** Creates a payee. NotFound('plan'); UniqueViolation (payees_name_key). */
export async function createPayee(db: Db, user: Uuid, plan: Uuid, name: string) {
  return orNotFound(await maybeOne(db, q.create_payee, [user, plan, name]), 'plan');
}

/** The plan's payees (or those changed since) and the knowledge. NotFound('plan'). */
export async function listPayees(db: Db, user: Uuid, plan: Uuid, since?: number) {
  const row = orNotFound(await maybeOne(db, q.list_payees, [user, plan, since ?? null]), 'plan');
  return { payees: row.payees as unknown as Payee[], server_knowledge: money(row.server_knowledge) };
}

// --------------------------------------------------------------------------------------- transactions

export interface NewSubTransaction {
  amount: number;
  payee_id?: Uuid | null | undefined;
  payee_name?: string | null | undefined;
  category_id?: Uuid | null | undefined;
  memo?: string | null | undefined;
}

export interface NewTransaction {
  account_id: Uuid;
  /** Local date (YYYY-MM-DD); or give `posted_at`. */
  date?: string | undefined;
  /** A timestamp with offset, dated in the plan's time zone. */
  posted_at?: string | undefined;
  amount: number;
  payee_id?: Uuid | null | undefined;
  payee_name?: string | null | undefined;
  category_id?: Uuid | null | undefined;
  memo?: string | null | undefined;
  cleared?: Cleared | undefined;
  approved?: boolean | undefined;
  flag_color?: FlagColor | '' | null | undefined;
  import_id?: string | null | undefined;
  /** The mirror's amount of a transfer between accounts of different currencies. */
  transfer_amount?: number | undefined;
  subtransactions?: NewSubTransaction[] | undefined;
}

export interface SavedTransactions {
  transaction_ids: Uuid[];
  transactions: TransactionDetail[];
  duplicate_import_ids: string[];
  server_knowledge: number;
}

/** At most this many transactions per create or import call (YNAB takes a file at a time). */
export const MAX_BATCH = 5000;

/**
 * Creates transactions (transfers mirrored, splits, payees by name); rows whose import_id the
 * account already has are skipped and reported in `duplicate_import_ids`. Runs in a transaction:
 * CheckViolation (transactions_splits_sum, transactions_transfer_pair) at commit; NotFound('plan');
 * ForeignKeyViolation for an account, category or payee outside the plan.
 */
export async function createTransactions(
  db: Db,
  user: Uuid,
  plan: Uuid,
  rows: NewTransaction[],
): Promise<SavedTransactions> {
  if (rows.length > MAX_BATCH) throw new RangeError(`at most ${MAX_BATCH} transactions at once`);
  return transaction(db, async (tx) => {
    const created = await many(tx, q.create_transactions, [user, plan, rows]);
    const found = orNotFound(await maybeOne(tx, q.find_transactions, [user, plan, created.map((c) => c.id)]), 'plan');
    const made = new Set(created.map((c) => c.n));
    const duplicate_import_ids = rows
      .filter((r, i) => r.import_id && !made.has(i + 1))
      .map((r) => r.import_id as string);
    return {
      transaction_ids: created.map((c) => c.id),
      transactions: found.transactions as unknown as TransactionDetail[],
      duplicate_import_ids,
      server_knowledge: money(found.server_knowledge),
    };
  });
}

export interface TransactionFilters {
  since_date?: string | undefined;
  type?: 'uncategorized' | 'unapproved' | undefined;
  last_knowledge_of_server?: number | undefined;
  account_id?: Uuid | undefined;
  category_id?: Uuid | undefined;
  payee_id?: Uuid | undefined;
  /** First day of a month: that month only. */
  month?: string | undefined;
  limit?: number | undefined;
  /** The `next` cursor of the previous page. */
  after?: string | undefined;
}

/**
 * Lists are bounded: a page of at most 50,000 transactions (ten years of a busy household fit in
 * a few pages; the YNAB client, which knows no pages, gets the first). `next` names the rest.
 */
export const TRANSACTION_PAGE: PageSize = { default: 10_000, max: 50_000 };

/** Transactions of a plan by the filters, the knowledge, and a `next` cursor when more follow. NotFound('plan'); InvalidCursor. */
export async function listTransactions(
  db: Db,
  user: Uuid,
  plan: Uuid,
  f: TransactionFilters = {},
): Promise<{ transactions: TransactionDetail[]; server_knowledge: number; next?: string }> {
  const limit = pageLimit(f.limit, TRANSACTION_PAGE);
  if (f.last_knowledge_of_server !== undefined && f.last_knowledge_of_server > 0) {
    const row = orNotFound(
      await maybeOne(db, q.list_transactions_changed, [
        user,
        plan,
        String(f.last_knowledge_of_server),
        f.account_id ?? null,
        limit + 1,
      ]),
      'plan',
    );
    return finish(row.transactions as unknown as TransactionDetail[], money(row.server_knowledge), limit, 'k');
  }
  let after: [string | null, string | null] = [null, null];
  if (f.after !== undefined) {
    const [kind, date, id] = decodeCursor(f.after, 3);
    if (kind !== 'd' || typeof date !== 'string' || typeof id !== 'string') throw new InvalidCursor();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^[0-9a-f-]{36}$/.test(id)) throw new InvalidCursor();
    after = [date, id];
  }
  const row = orNotFound(
    await maybeOne(db, q.list_transactions, [
      user,
      plan,
      f.since_date ?? null,
      f.type ?? null,
      f.account_id ?? null,
      f.category_id ?? null,
      f.payee_id ?? null,
      f.month ?? null,
      limit + 1,
      after[0],
      after[1],
    ]),
    'plan',
  );
  return finish(row.transactions as unknown as TransactionDetail[], money(row.server_knowledge), limit, 'd');
}

function finish(rows: TransactionDetail[], server_knowledge: number, limit: number, kind: 'd' | 'k') {
  if (rows.length <= limit) return { transactions: rows, server_knowledge };
  const transactions = rows.slice(0, limit);
  const last = transactions[transactions.length - 1]!;
  // A delta page is not resumable by date; the client asks again with the knowledge it has.
  return kind === 'd'
    ? { transactions, server_knowledge, next: encodeCursor(['d', last.date, last.id]) }
    : { transactions, server_knowledge };
}

/** One transaction (tombstones too); NotFound('transaction'). */
export async function getTransaction(db: Db, user: Uuid, plan: Uuid, id: Uuid) {
  const row = orNotFound(await maybeOne(db, q.find_transactions, [user, plan, [id]]), 'plan');
  const [t] = row.transactions as unknown as TransactionDetail[];
  return { transaction: orNotFound(t, 'transaction'), server_knowledge: money(row.server_knowledge) };
}

export type TransactionPatch = Partial<
  Pick<NewTransaction, 'date' | 'amount' | 'payee_id' | 'category_id' | 'memo' | 'cleared' | 'approved' | 'flag_color'>
> & { subtransactions?: NewSubTransaction[] | undefined };

/** Changes a transaction (and a transfer's mirror); NotFound('transaction'); CheckViolation at commit. */
export async function updateTransaction(db: Db, user: Uuid, plan: Uuid, id: Uuid, patch: TransactionPatch) {
  return transaction(db, async (tx) => {
    orNotFound(await maybeOne(tx, q.update_transaction, [user, plan, id, patch]), 'transaction');
    return getTransaction(tx, user, plan, id);
  });
}

/** Deletes a transaction (a tombstone; a transfer's mirror too); returns it deleted. NotFound('transaction'). */
export async function deleteTransaction(db: Db, user: Uuid, plan: Uuid, id: Uuid) {
  return transaction(db, async (tx) => {
    orNotFound(await maybeOne(tx, q.delete_transaction, [user, plan, id]), 'transaction');
    return getTransaction(tx, user, plan, id);
  });
}

// ------------------------------------------------------------------------------------ bulk file import

export interface ImportRow {
  /** A timestamp with offset (OFX DTPOSTED, a CSV column); dated in the plan's time zone. */
  posted_at?: string | undefined;
  date?: string | undefined;
  amount: number;
  payee_name?: string | undefined;
  memo?: string | undefined;
  /** The bank's own id of the row (OFX FITID); else YNAB's amount:date:occurrence. */
  fitid?: string | undefined;
}

/** Imports a bank file's rows into an account, idempotently; returns what was created and skipped. NotFound('plan'). */
export async function importTransactions(db: Db, user: Uuid, plan: Uuid, account: Uuid, rows: ImportRow[]) {
  if (rows.length > MAX_BATCH) throw new RangeError(`at most ${MAX_BATCH} rows at once`);
  const p = await getPlan(db, user, plan);
  const created = await many(db, q.import_transactions, [user, plan, account, rows]);
  return {
    transaction_ids: created.map((c) => c.id),
    imported: created.length,
    skipped: rows.length - created.length,
    server_knowledge: created.length ? money(created[0]!.knowledge) : money(p.server_knowledge),
  };
}

/**
 * Parses a CSV bank export with a header row naming `date` or `posted_at`, `amount` (decimal in
 * currency units, "-12.34", or milliunits with `amount_milliunits`), and optionally `payee`,
 * `memo`, `id`. Quoted fields with "" escapes are handled. Amounts are parsed as decimal text, never
 * through a float: "0.1" is 100 milliunits exactly. Throws CsvError naming the line.
 */
export function parseCsv(text: string): ImportRow[] {
  const records = csvRecords(text);
  const header = records.shift()?.map((h) => h.trim().toLowerCase());
  if (!header) throw new CsvError(1, 'the file is empty');
  const col = (name: string) => header.indexOf(name);
  const [iDate, iPosted, iAmount, iMilli] = [col('date'), col('posted_at'), col('amount'), col('amount_milliunits')];
  const [iPayee, iMemo, iId] = [col('payee'), col('memo'), col('id')];
  if (iDate < 0 && iPosted < 0) throw new CsvError(1, 'needs a date or posted_at column');
  if (iAmount < 0 && iMilli < 0) throw new CsvError(1, 'needs an amount or amount_milliunits column');
  return records
    .map((r, k) => ({ r, line: k + 2 }))
    .filter(({ r }) => r.some((v) => v.trim() !== ''))
    .map(({ r, line }) => {
      const get = (i: number) => (i >= 0 ? (r[i] ?? '').trim() : '');
      const amount = iMilli >= 0 ? integerText(get(iMilli), line) : milliunits(get(iAmount), line);
      const row: ImportRow = { amount };
      if (iPosted >= 0 && get(iPosted)) row.posted_at = get(iPosted);
      else if (/^\d{4}-\d{2}-\d{2}$/.test(get(iDate))) row.date = get(iDate);
      else throw new CsvError(line, 'date must be YYYY-MM-DD (or give posted_at)');
      if (get(iPayee)) row.payee_name = get(iPayee).slice(0, 200);
      if (get(iMemo)) row.memo = get(iMemo).slice(0, 500);
      if (get(iId)) row.fitid = get(iId).slice(0, 36);
      return row;
    });
}

/** A CSV line that cannot be imported. */
export class CsvError extends Error {
  override name = 'CsvError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

function integerText(s: string, line: number): number {
  if (!/^-?\d{1,15}$/.test(s)) throw new CsvError(line, 'amount_milliunits must be an integer');
  return Number(s);
}

/** "-12.34" -> -12340, by digits: at most three decimals, never a float on the way. */
export function milliunits(s: string, line = 0): number {
  const m = /^([+-]?)(\d{1,12})(?:\.(\d{1,3}))?$/.exec(s.replace(/,/g, ''));
  if (!m) throw new CsvError(line, 'amount must be a decimal with at most three decimals');
  const value = Number(m[2]) * 1000 + Number((m[3] ?? '').padEnd(3, '0'));
  return m[1] === '-' ? -value : value;
}

function csvRecords(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      out.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    out.push(row);
  }
  return out;
}

// ------------------------------------------------------------------------------------- months, budgets

/** The month summary (YNAB MonthDetail) of `month` (its first day; default the current month). NotFound('plan'); MissingExchangeRate. */
export async function getMonth(db: Db, user: Uuid, plan: Uuid, month?: string) {
  const row = orNotFound(await maybeOne(db, q.get_month, [user, plan, month ?? null]), 'plan');
  return {
    month: row.month,
    income: money(row.income),
    budgeted: money(row.budgeted),
    activity: money(row.activity),
    to_be_budgeted: money(row.to_be_budgeted),
    categories: row.categories as unknown as Category[],
  };
}

/** Every month's summary and the knowledge. NotFound('plan'); MissingExchangeRate. */
export async function listMonths(db: Db, user: Uuid, plan: Uuid) {
  const rows = await many(db, q.list_months, [user, plan]);
  if (!rows.length) throw new NotFound('plan');
  return {
    months: rows.map((r) => ({
      month: r.month,
      income: money(r.income),
      budgeted: money(r.budgeted),
      activity: money(r.activity),
      to_be_budgeted: money(r.to_be_budgeted),
    })),
    server_knowledge: money(rows[0]!.server_knowledge),
  };
}

/** Sets what is budgeted to a category in a month; returns that month's category. NotFound('category'). */
export async function setMonthBudget(db: Db, user: Uuid, plan: Uuid, month: string, category: Uuid, budgeted: number) {
  return transaction(db, async (tx) => {
    const row = orNotFound(
      await maybeOne(tx, q.set_month_budget, [user, plan, month, category, String(budgeted)]),
      'category',
    );
    const m = await getMonth(tx, user, plan, month);
    return {
      category: orNotFound(
        m.categories.find((c) => c.id === category),
        'category',
      ),
      server_knowledge: money(row.knowledge),
    };
  });
}

// ----------------------------------------------------------------------------- scheduled transactions

export interface NewScheduledTransaction {
  account_id: Uuid;
  date: string;
  frequency?: Frequency | undefined;
  amount: number;
  payee_id?: Uuid | null | undefined;
  category_id?: Uuid | null | undefined;
  memo?: string | null | undefined;
  flag_color?: FlagColor | '' | null | undefined;
}

/** Creates a scheduled transaction; returns it. NotFound('plan'); ForeignKeyViolation. */
export async function createScheduledTransaction(db: Db, user: Uuid, plan: Uuid, s: NewScheduledTransaction) {
  return transaction(db, async (tx) => {
    const row = orNotFound(
      await maybeOne(tx, q.create_scheduled_transaction, [
        user,
        plan,
        s.account_id,
        s.date,
        s.frequency ?? null,
        String(s.amount),
        s.payee_id ?? null,
        s.category_id ?? null,
        s.memo ?? null,
        s.flag_color ?? null,
      ]),
      'plan',
    );
    return getScheduledTransaction(tx, user, plan, row.id);
  });
}

/** The plan's scheduled transactions (or those changed since) and the knowledge. NotFound('plan'). */
export async function listScheduledTransactions(db: Db, user: Uuid, plan: Uuid, since?: number) {
  const row = orNotFound(await maybeOne(db, q.list_scheduled_transactions, [user, plan, since ?? null, null]), 'plan');
  return {
    scheduled_transactions: row.scheduled_transactions as unknown as ScheduledTransaction[],
    server_knowledge: money(row.server_knowledge),
  };
}

/** One scheduled transaction (tombstones too); NotFound('scheduled transaction'). */
export async function getScheduledTransaction(db: Db, user: Uuid, plan: Uuid, id: Uuid) {
  const row = orNotFound(await maybeOne(db, q.list_scheduled_transactions, [user, plan, '0', id]), 'plan');
  const [s] = row.scheduled_transactions as unknown as ScheduledTransaction[];
  return orNotFound(s, 'scheduled transaction');
}

/** Replaces a scheduled transaction's fields; returns it. NotFound('scheduled transaction'); ForeignKeyViolation. */
export async function updateScheduledTransaction(db: Db, user: Uuid, plan: Uuid, id: Uuid, s: NewScheduledTransaction) {
  return transaction(db, async (tx) => {
    orNotFound(
      await maybeOne(tx, q.update_scheduled_transaction, [
        user,
        plan,
        id,
        s.account_id,
        s.date,
        s.frequency ?? null,
        String(s.amount),
        s.payee_id ?? null,
        s.category_id ?? null,
        s.memo ?? null,
        s.flag_color ?? null,
      ]),
      'scheduled transaction',
    );
    return getScheduledTransaction(tx, user, plan, id);
  });
}

/** Deletes a scheduled transaction (a tombstone); returns it. NotFound('scheduled transaction'). */
export async function deleteScheduledTransaction(db: Db, user: Uuid, plan: Uuid, id: Uuid) {
  return transaction(db, async (tx) => {
    orNotFound(await maybeOne(tx, q.delete_scheduled_transaction, [user, plan, id]), 'scheduled transaction');
    return getScheduledTransaction(tx, user, plan, id);
  });
}

// -------------------------------------------------------------------------------------- exchange rates

export interface ExchangeRate {
  currency_iso_code: string;
  /** From this local date on. */
  date: string;
  /** Plan currency per unit, as decimal text ("1.0825"): exact, never a float. */
  rate: string;
}

/** Records rates (replacing a currency's rate of the same day). NotFound('plan'); CheckViolation. */
export async function setExchangeRates(db: Db, user: Uuid, plan: Uuid, rates: ExchangeRate[]) {
  await getPlan(db, user, plan);
  return many(db, q.set_exchange_rates, [user, plan, rates]);
}

// ---------------------------------------------------------------------------------------------- reports

export interface ReportRange {
  /** Local date, inclusive; default the first day of the month eleven months ago. */
  since?: string | undefined;
  /** Local date, inclusive; default today in the plan's time zone. */
  until?: string | undefined;
}

const rangeArgs = (r: ReportRange) => [r.since ?? null, r.until ?? null] as const;

/** Totals, counts, averages per category, month, payee, account and overall (one GROUPING SETS statement). NotFound('plan'); MissingExchangeRate. */
export async function reportTotals(db: Db, user: Uuid, plan: Uuid, r: ReportRange = {}) {
  const rows = await many(db, q.report_totals, [user, plan, ...rangeArgs(r)]);
  if (!rows.length) throw new NotFound('plan');
  const series = (d: string) =>
    rows
      .filter((x) => x.dimension === d)
      .map((x) => ({
        key: x.key,
        name: x.name,
        total: money(x.total),
        inflow: money(x.inflow),
        outflow: money(x.outflow),
        count: money(x.count),
        average: money(x.average),
      }));
  const all = series('all')[0]!;
  return {
    since: rows[0]!.since,
    until: rows[0]!.until,
    total: { total: all.total, inflow: all.inflow, outflow: all.outflow, count: all.count, average: all.average },
    by_category: series('category'),
    by_month: series('month'),
    by_payee: series('payee'),
    by_account: series('account'),
  };
}

/** Running balance per account per day (window sum). NotFound('plan'). */
export async function reportRunningBalance(
  db: Db,
  user: Uuid,
  plan: Uuid,
  r: ReportRange & { account_id?: Uuid | undefined } = {},
) {
  await getPlan(db, user, plan);
  const rows = await many(db, q.report_running_balance, [user, plan, ...rangeArgs(r), r.account_id ?? null]);
  const byAccount = new Map<string, { account_id: Uuid; account_name: string; points: unknown[] }>();
  for (const x of rows) {
    let s = byAccount.get(x.account_id);
    if (!s) byAccount.set(x.account_id, (s = { account_id: x.account_id, account_name: x.account_name, points: [] }));
    s.points.push({ date: x.date, change: money(x.change), balance: money(x.balance) });
  }
  return {
    series: [...byAccount.values()] as {
      account_id: Uuid;
      account_name: string;
      points: { date: string; change: number; balance: number }[];
    }[],
  };
}

/** Month-over-month spending per category and overall (window lag). NotFound('plan'); MissingExchangeRate. */
export async function reportMonthOverMonth(db: Db, user: Uuid, plan: Uuid, r: ReportRange = {}) {
  await getPlan(db, user, plan);
  const rows = await many(db, q.report_month_over_month, [user, plan, ...rangeArgs(r)]);
  const series = new Map<
    string,
    {
      category_id: Uuid | null;
      category_name: string | null;
      points: { month: string; total: number; change: number }[];
    }
  >();
  for (const x of rows) {
    const key = x.is_total ? '*' : (x.category_id ?? '-');
    let s = series.get(key);
    if (!s)
      series.set(
        key,
        (s = {
          category_id: x.is_total ? null : x.category_id,
          category_name: x.is_total ? null : x.category_name,
          points: [],
        }),
      );
    s.points.push({ month: x.month, total: money(x.total), change: money(x.change) });
  }
  const total = series.get('*');
  series.delete('*');
  return { total: total?.points ?? [], by_category: [...series.values()] };
}

/** Spending per ISO weekday (1 Monday .. 7 Sunday). NotFound('plan'); MissingExchangeRate. */
export async function reportWeekday(db: Db, user: Uuid, plan: Uuid, r: ReportRange = {}) {
  const rows = await many(db, q.report_weekday, [user, plan, ...rangeArgs(r)]);
  if (!rows.length) throw new NotFound('plan');
  return {
    series: rows.map((x) => ({
      weekday: x.weekday,
      total: money(x.total),
      count: money(x.count),
      average: money(x.average),
    })),
  };
}

/** Budgeted against activity per category and month. NotFound('plan'); MissingExchangeRate. */
export async function reportBudgetVsActual(db: Db, user: Uuid, plan: Uuid, r: ReportRange = {}) {
  await getPlan(db, user, plan);
  const rows = await many(db, q.report_budget_vs_actual, [user, plan, ...rangeArgs(r)]);
  const series = new Map<
    string,
    {
      category_id: Uuid;
      category_name: string;
      points: { month: string; budgeted: number; activity: number; remaining: number }[];
    }
  >();
  for (const x of rows) {
    let s = series.get(x.category_id);
    if (!s) series.set(x.category_id, (s = { category_id: x.category_id, category_name: x.category_name, points: [] }));
    s.points.push({
      month: x.month,
      budgeted: money(x.budgeted),
      activity: money(x.activity),
      remaining: money(x.remaining),
    });
  }
  return { series: [...series.values()] };
}
