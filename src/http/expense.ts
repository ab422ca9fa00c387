/**
 * /expense/v1: the subset of the YNAB API v1 (as the `ynab` 4.1.0 npm client calls it: paths under
 * /plans/{plan_id}) that covers the user, plans, accounts, categories and groups, payees, months,
 * transactions and scheduled transactions, over pg-grind/expense. Responses are `{"data": {...}}`
 * with `server_knowledge` where YNAB has it; errors are YNAB's `{"error": {"id", "name",
 * "detail"}}`, a rendering of the app's problem (same status). Bearer tokens, opaque, as YNAB's
 * personal access tokens. Beyond YNAB, in the same style: sign-up (POST /users), log-in (POST
 * /tokens), plan creation (POST /plans), exchange rates, an idempotent CSV import, and the reports
 * under /plans/{id}/reports/.
 *
 * Caching: every plan-scoped read carries a strong ETag made of the plan's server_knowledge (which
 * moves with any change to the plan), the plan's local date (the current month and the default
 * report ranges follow it) and the request's path and query; `If-None-Match` then costs one
 * primary-key read and no report. `Cache-Control: private, no-cache`: the answers are one user's
 * (no shared cache may keep them) and must be revalidated, which is cheap.
 */
import { createHash } from 'node:crypto';
import { Type, type TSchema } from '@sinclair/typebox';
import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Db } from '../lib/core/db.js';
import * as ex from '../lib/expense/index.js';
import type { PasswordOptions } from '../lib/core/password.js';
import { Api } from './core/api.js';
import { notModifiedTag } from './core/conditional.js';
import { explainConstraint, HttpError, registerProblem, toProblem } from './core/problem.js';
import { Nullable, StringEnum } from './core/schemas.js';

export interface ExpenseApiOptions {
  /** scrypt cost for new password hashes; default PASSWORD_SCRYPT_LOG2N, else password.ts' default. */
  password?: PasswordOptions;
}

const constraints: [string, string, string][] = [
  ['users_email_key', 'email', 'is already registered'],
  ['users_email_check', 'email', 'is not an e-mail address'],
  ['plans_name_check', 'name', 'must be 1 to 200 characters'],
  ['plans_currency_iso_code_check', 'currency_iso_code', 'must be an ISO 4217 code (three capital letters)'],
  ['plans_time_zone_check', 'time_zone', 'is not a known IANA time zone'],
  ['accounts_name_check', 'name', 'must be 1 to 200 characters'],
  ['accounts_currency_iso_code_check', 'currency_iso_code', 'must be an ISO 4217 code (three capital letters)'],
  ['category_groups_name_check', 'name', 'must be 1 to 200 characters'],
  ['categories_name_check', 'name', 'must be 1 to 200 characters'],
  ['categories_category_group_id_fkey', 'category_group_id', 'is not a category group of this plan'],
  ['payees_name_check', 'name', 'must be 1 to 200 characters'],
  ['payees_name_key', 'name', 'is already a payee of this plan'],
  ['transactions_account_id_fkey', 'account_id', 'is not an account of this plan'],
  ['transactions_category_id_fkey', 'category_id', 'is not a category of this plan'],
  ['transactions_payee_id_fkey', 'payee_id', 'is not a payee of this plan'],
  ['transactions_amount_check', 'amount', 'must be within +-10^14 milliunits'],
  ['transactions_date_check', 'date', 'must be between 1900 and 2999'],
  ['transactions_splits_sum', 'subtransactions', 'split amounts must sum to the transaction amount'],
  ['transactions_transfer_pair', 'payee_id', 'a transfer needs its mirror in the other account'],
  ['transactions_transfer_self_check', 'payee_id', 'a transfer goes to another account'],
  ['transactions_transfer_transaction_id_fkey', 'payee_id', 'a transfer needs its mirror in the other account'],
  ['subtransactions_amount_check', 'subtransactions', 'amounts must be within +-10^14 milliunits'],
  ['subtransactions_category_id_fkey', 'subtransactions', 'a category is not of this plan'],
  ['subtransactions_payee_id_fkey', 'subtransactions', 'a payee is not of this plan'],
  ['month_budgets_budgeted_check', 'budgeted', 'must be within +-10^14 milliunits'],
  ['scheduled_transactions_account_id_fkey', 'account_id', 'is not an account of this plan'],
  ['scheduled_transactions_category_id_fkey', 'category_id', 'is not a category of this plan'],
  ['scheduled_transactions_payee_id_fkey', 'payee_id', 'is not a payee of this plan'],
  ['exchange_rates_rate_check', 'rate', 'must be positive'],
  ['exchange_rates_currency_iso_code_check', 'currency_iso_code', 'must be an ISO 4217 code'],
];
for (const [constraint, field, message] of constraints) explainConstraint('expense', constraint, { field, message });

registerProblem(ex.MissingExchangeRate, () => ({
  status: 422,
  title: 'Missing exchange rate',
  detail: 'a transaction is in a currency with no exchange rate on or before its date; record one first',
}));

/** YNAB's error names by status. */
const errorNames: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  503: 'service_unavailable',
};

/**
 * Errors under /expense/v1 in YNAB's shape: the app's problem (status, detail) rendered as
 * {"error": {"id": "<status>", "name", "detail"}}. 5xx other than 503 go on to the app's handler,
 * which logs them and answers problem+json.
 */
const ynabErrors: ErrorRequestHandler = (err, req, res, next) => {
  const { status, problem, headers } = toProblem(err, req.method);
  if ((status >= 500 && status !== 503) || res.headersSent) return next(err);
  res
    .status(status)
    .set(headers ?? {})
    .json({
      error: { id: String(status), name: errorNames[status] ?? 'error', detail: problem.detail ?? problem.title },
    });
};

// ------------------------------------------------------------------------------------- JSON shapes

const uuid = Type.String({ format: 'uuid' });
const nstr = Nullable(Type.String());
const nuuid = Nullable(Type.String({ format: 'uuid' }));
const int = Type.Integer();
const date = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const open = { additionalProperties: false } as const;
const nullableFlag = Type.Unsafe<ex.FlagColor | null>({ enum: [...ex.FLAG_COLORS, null] });

const SubTransactionJson = Type.Object(
  {
    id: uuid,
    transaction_id: uuid,
    amount: int,
    memo: nstr,
    payee_id: nuuid,
    payee_name: nstr,
    category_id: nuuid,
    category_name: nstr,
    transfer_account_id: Type.Null(),
    transfer_transaction_id: Type.Null(),
    deleted: Type.Boolean(),
  },
  open,
);
const transactionFields = {
  id: uuid,
  date,
  amount: Type.Integer({ description: 'milliunits, negative for outflows' }),
  memo: nstr,
  cleared: StringEnum(ex.CLEARED),
  approved: Type.Boolean(),
  flag_color: nullableFlag,
  account_id: uuid,
  account_name: Type.String(),
  payee_id: nuuid,
  payee_name: nstr,
  category_id: nuuid,
  category_name: nstr,
  transfer_account_id: nuuid,
  transfer_transaction_id: nuuid,
  matched_transaction_id: Type.Null(),
  import_id: nstr,
  deleted: Type.Boolean(),
  subtransactions: Type.Array(SubTransactionJson),
};
const TransactionJson = Type.Object(transactionFields, open);
const HybridJson = Type.Object(
  { ...transactionFields, type: StringEnum(['transaction', 'subtransaction']), parent_transaction_id: Type.Null() },
  open,
);
const AccountJson = Type.Object(
  {
    id: uuid,
    name: Type.String(),
    type: StringEnum(ex.ACCOUNT_TYPES),
    on_budget: Type.Boolean(),
    closed: Type.Boolean(),
    note: nstr,
    balance: int,
    cleared_balance: int,
    uncleared_balance: int,
    transfer_payee_id: uuid,
    currency_iso_code: Type.String(),
    deleted: Type.Boolean(),
  },
  open,
);
const CategoryJson = Type.Object(
  {
    id: uuid,
    category_group_id: uuid,
    category_group_name: Type.String(),
    name: Type.String(),
    hidden: Type.Boolean(),
    note: nstr,
    budgeted: int,
    activity: int,
    balance: int,
    deleted: Type.Boolean(),
  },
  open,
);
const CategoryGroupJson = Type.Object(
  { id: uuid, name: Type.String(), hidden: Type.Boolean(), deleted: Type.Boolean() },
  open,
);
const GroupWithCategories = Type.Object(
  {
    id: uuid,
    name: Type.String(),
    hidden: Type.Boolean(),
    deleted: Type.Boolean(),
    categories: Type.Array(CategoryJson),
  },
  open,
);
const PayeeJson = Type.Object(
  { id: uuid, name: Type.String(), transfer_account_id: nuuid, deleted: Type.Boolean() },
  open,
);
const monthFields = {
  month: date,
  income: int,
  budgeted: int,
  activity: int,
  to_be_budgeted: int,
  deleted: Type.Boolean(),
};
const MonthSummaryJson = Type.Object(monthFields, open);
const MonthDetailJson = Type.Object({ ...monthFields, categories: Type.Array(CategoryJson) }, open);
const CurrencyFormat = Type.Object(
  {
    iso_code: Type.String(),
    example_format: Type.String(),
    decimal_digits: int,
    decimal_separator: Type.String(),
    symbol_first: Type.Boolean(),
    group_separator: Type.String(),
    currency_symbol: Type.String(),
    display_symbol: Type.Boolean(),
  },
  open,
);
const PlanJson = Type.Object(
  {
    id: uuid,
    name: Type.String(),
    last_modified_on: Type.String({ format: 'date-time' }),
    first_month: date,
    last_month: date,
    date_format: Type.Object({ format: Type.String() }, open),
    currency_format: CurrencyFormat,
    time_zone: Type.String(),
  },
  open,
);
const ScheduledJson = Type.Object(
  {
    id: uuid,
    date_first: date,
    date_next: date,
    frequency: StringEnum(ex.FREQUENCIES),
    amount: int,
    memo: nstr,
    flag_color: nullableFlag,
    account_id: uuid,
    account_name: Type.String(),
    payee_id: nuuid,
    payee_name: nstr,
    category_id: nuuid,
    category_name: nstr,
    transfer_account_id: nuuid,
    deleted: Type.Boolean(),
    subtransactions: Type.Array(Type.Never()),
  },
  open,
);

/** YNAB wraps every response in {"data": {...}}. */
const data = <T extends TSchema>(description: string, schema: T) => ({
  description,
  schema: Type.Object({ data: schema }, open),
});
const knowledge = Type.Integer({
  minimum: 0,
  description: "the plan's delta-sync counter: pass it as last_knowledge_of_server",
});

const ErrorJson = Type.Object(
  { error: Type.Object({ id: Type.String(), name: Type.String(), detail: Type.String() }, open) },
  { ...open, description: 'YNAB error' },
);
const err = (description: string) => ({ description, schema: ErrorJson });
const e401 = err('missing, unknown or expired token');
const e404 = err('no such plan (or not yours), or no such resource in it');

// ---------------------------------------------------------------------------------- request shapes

const planParams = Type.Object({ plan_id: uuid }, open);
const idParams = <K extends string>(name: K) =>
  Type.Object({ plan_id: uuid, [name]: uuid } as { plan_id: typeof uuid } & { [k in K]: typeof uuid }, open);
const monthParam = Type.String({
  pattern: '^(current|\\d{4}-\\d{2}-\\d{2})$',
  description: '"current" or a date (ISO, any day of the month)',
});
const monthParams = Type.Object({ plan_id: uuid, month: monthParam }, open);
const lastKnowledge = Type.Optional(
  Type.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'only what changed since (tombstones included)',
  }),
);
const deltaQuery = Type.Object({ last_knowledge_of_server: lastKnowledge });
const amount = Type.Integer({ minimum: -1e14, maximum: 1e14, description: 'milliunits' });
const nullableOpt = <T extends TSchema & { type: string }>(s: T) => Type.Optional(Nullable(s));
const name = Type.String({ minLength: 1, maxLength: 200 });
const memo = nullableOpt(Type.String({ maxLength: 500 }));
const flag = Type.Optional(
  Type.Unsafe<ex.FlagColor | '' | null>({
    enum: [...ex.FLAG_COLORS, '', null],
    description: 'flag colour, "" or null: none',
  }),
);
const SubIn = Type.Object({
  amount,
  payee_id: nullableOpt(uuid),
  payee_name: nullableOpt(Type.String({ maxLength: 200 })),
  category_id: nullableOpt(uuid),
  memo,
});
const txFields = {
  date: Type.Optional(date),
  amount: Type.Optional(amount),
  payee_id: nullableOpt(uuid),
  payee_name: nullableOpt(Type.String({ maxLength: 200 })),
  category_id: nullableOpt(uuid),
  memo,
  cleared: Type.Optional(StringEnum(ex.CLEARED)),
  approved: Type.Optional(Type.Boolean()),
  flag_color: flag,
  subtransactions: Type.Optional(Type.Array(SubIn, { maxItems: 100 })),
};
const NewTx = Type.Object({
  ...txFields,
  account_id: uuid,
  amount,
  posted_at: Type.Optional(
    Type.String({ format: 'date-time', description: "beyond YNAB: a timestamp, dated in the plan's time zone" }),
  ),
  import_id: nullableOpt(Type.String({ minLength: 1, maxLength: 36 })),
  transfer_amount: Type.Optional(amount),
});
const rangeQuery = Type.Object({
  since: Type.Optional(date),
  until: Type.Optional(date),
});
const txListQuery = Type.Object({
  since_date: Type.Optional(date),
  type: Type.Optional(StringEnum(['uncategorized', 'unapproved'])),
  last_knowledge_of_server: lastKnowledge,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: ex.TRANSACTION_PAGE.max })),
  after: Type.Optional(Type.String({ maxLength: 200, description: 'cursor from the Link rel="next" header' })),
});
const txListResponses = {
  200: data(
    'the transactions and the knowledge; at most `limit` (default 10,000), Link rel="next" for more',
    Type.Object({ transactions: Type.Array(TransactionJson), server_knowledge: knowledge }, open),
  ),
  401: e401,
  404: e404,
};
const hybridResponses = {
  200: data(
    'the transactions (split parents whose lines match included) and the knowledge',
    Type.Object({ transactions: Type.Array(HybridJson), server_knowledge: knowledge }, open),
  ),
  401: e401,
  404: e404,
};

const currencyFormat = (iso: string) => ({
  iso_code: iso,
  example_format: '123,456.78',
  decimal_digits: 2,
  decimal_separator: '.',
  symbol_first: true,
  group_separator: ',',
  currency_symbol: iso,
  display_symbol: false,
});
const planJson = (p: Awaited<ReturnType<typeof ex.listPlans>>[number]) => ({
  id: p.id,
  name: p.name,
  last_modified_on: p.last_modified_on.toISOString(),
  first_month: p.first_month,
  last_month: p.last_month,
  date_format: { format: 'YYYY-MM-DD' },
  currency_format: currencyFormat(p.currency_iso_code),
  time_zone: p.time_zone,
});

const monthOf = (m: string) => (m === 'current' ? undefined : `${m.slice(0, 7)}-01`);
const hybrid = (ts: ex.TransactionDetail[]) =>
  ts.map((t) => ({ ...t, type: 'transaction' as const, parent_transaction_id: null }));

export function expenseApi(db: Db, options: ExpenseApiOptions = {}): Api {
  const log2N = Number(process.env.PASSWORD_SCRYPT_LOG2N);
  const password = options.password ?? (log2N ? { log2N } : {});

  const unauthorized = (detail: string) =>
    new HttpError(401, 'Unauthorized', detail, {}, { 'www-authenticate': 'Bearer' });

  /** The user of "Authorization: Bearer <token>"; 401 otherwise. */
  async function user(req: Request): Promise<string> {
    const m = /^Bearer +([A-Za-z0-9_-]{20,100})$/i.exec((req.get('authorization') ?? '').trim());
    if (!m) throw unauthorized('an Authorization: Bearer <access token> header is required');
    const id = await ex.authenticate(db, m[1]!);
    if (!id) throw unauthorized('the access token is unknown or has expired');
    return id;
  }

  /**
   * The conditional-read step of every plan-scoped read: the plan's knowledge and local date, and
   * the request's URL, make the ETag; a match answers 304 before the statement runs. Also the
   * ownership check (404) for reads that would otherwise not tell a foreign plan from an empty one.
   */
  async function fresh(req: Request, res: Response, u: string, planId: string): Promise<boolean> {
    const p = await ex.getPlan(db, u, planId);
    const digest = createHash('sha256').update(req.originalUrl).digest('base64url').slice(0, 16);
    res.set('Cache-Control', 'private, no-cache');
    return notModifiedTag(req, res, `"${p.server_knowledge}.${p.today}.${digest}"`);
  }

  const auth = Type.Object({
    authorization: Type.Optional(Type.String({ description: '"Bearer <access token>"' })),
  });
  const cached = { description: 'unchanged since the ETag in If-None-Match' };

  const api = new Api(
    '/expense/v1',
    'expense',
    'Project 3: money, aggregates, GROUP BY, date filtering (the YNAB API v1 subset the ynab 4.1.0 client calls)',
    err('YNAB error ({"error": {"id", "name", "detail"}}), malformed JSON and oversized bodies included'),
  );

  // ------------------------------------------------------------------------------- users, plans
  const credentials = Type.Object({
    user: Type.Object({
      email: Type.String({ minLength: 3, maxLength: 254 }),
      password: Type.String({ minLength: 8, maxLength: 256 }),
    }),
  });
  const tokenJson = data(
    'an access token for the user',
    Type.Object({ access_token: Type.String(), user: Type.Object({ id: uuid }, open) }, open),
  );
  api
    .route({
      method: 'post',
      path: '/users',
      summary: 'Sign up (beyond YNAB)',
      body: credentials,
      responses: { 201: tokenJson, 400: err('invalid input'), 409: err('e-mail taken'), 422: err('invalid e-mail') },
      handler: async ({ body }, _req, res) => {
        const t = await ex.signUp(db, body.user.email, body.user.password, password);
        res.status(201).json({ data: { access_token: t.access_token, user: { id: t.user_id } } });
      },
    })
    .route({
      method: 'post',
      path: '/tokens',
      summary: 'Log in: a new access token (beyond YNAB)',
      body: credentials,
      responses: { 201: tokenJson, 400: err('invalid input'), 401: err('wrong e-mail or password') },
      handler: async ({ body }, _req, res) => {
        const t = await ex.logIn(db, body.user.email, body.user.password, password);
        if (!t) throw unauthorized('wrong e-mail or password');
        res.status(201).json({ data: { access_token: t.access_token, user: { id: t.user_id } } });
      },
    })
    .route({
      method: 'get',
      path: '/user',
      summary: 'The authenticated user',
      headers: auth,
      responses: { 200: data('the user', Type.Object({ user: Type.Object({ id: uuid }, open) }, open)), 401: e401 },
      handler: async (_i, req, res) => {
        res.json({ data: { user: { id: await user(req) } } });
      },
    })
    .route({
      method: 'post',
      path: '/plans',
      summary: 'Create a plan (beyond YNAB)',
      headers: auth,
      body: Type.Object({
        plan: Type.Object({
          name,
          currency_iso_code: Type.String({ pattern: '^[A-Z]{3}$' }),
          time_zone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA, e.g. Europe/Paris' }),
        }),
      }),
      responses: {
        201: data('the plan', Type.Object({ plan: PlanJson }, open)),
        401: e401,
        422: err('unknown time zone'),
      },
      handler: async ({ body }, req, res) => {
        const u = await user(req);
        const created = await ex.createPlan(db, u, body.plan);
        res.status(201).json({ data: { plan: planJson(await ex.getPlan(db, u, created.id)) } });
      },
    })
    .route({
      method: 'get',
      path: '/plans',
      summary: "The user's plans",
      headers: auth,
      query: Type.Object({ include_accounts: Type.Optional(Type.Boolean()) }),
      responses: { 200: data('the plans', Type.Object({ plans: Type.Array(PlanJson) }, open)), 401: e401 },
      handler: async (_i, req, res) => {
        res.json({ data: { plans: (await ex.listPlans(db, await user(req))).map(planJson) } });
      },
    })
    .route({
      method: 'get',
      path: '/plans/:plan_id',
      summary: 'One plan',
      headers: auth,
      params: planParams,
      responses: {
        200: data('the plan', Type.Object({ plan: PlanJson, server_knowledge: knowledge }, open)),
        401: e401,
        404: e404,
      },
      handler: async ({ params }, req, res) => {
        const p = await ex.getPlan(db, await user(req), params.plan_id);
        res.json({ data: { plan: planJson(p), server_knowledge: ex.money(p.server_knowledge) } });
      },
    })
    .route({
      method: 'put',
      path: '/plans/:plan_id/exchange_rates',
      summary: 'Record exchange rates (beyond YNAB)',
      description:
        'Plan currency per one unit of each currency, from each date on; rate is decimal text, never a float.',
      headers: auth,
      params: planParams,
      body: Type.Object({
        exchange_rates: Type.Array(
          Type.Object({
            currency_iso_code: Type.String({ pattern: '^[A-Z]{3}$' }),
            date,
            rate: Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,12})?$', description: 'decimal text, e.g. "1.0825"' }),
          }),
          { minItems: 1, maxItems: 1000 },
        ),
      }),
      responses: {
        200: data(
          'the rates recorded',
          Type.Object(
            {
              exchange_rates: Type.Array(
                Type.Object({ currency_iso_code: Type.String(), date, rate: Type.String() }, open),
              ),
            },
            open,
          ),
        ),
        401: e401,
        404: e404,
        422: err('a rate is not positive'),
      },
      handler: async ({ params, body }, req, res) => {
        const rows = await ex.setExchangeRates(db, await user(req), params.plan_id, body.exchange_rates);
        res.json({
          data: {
            exchange_rates: rows.map((r) => ({ currency_iso_code: r.currency_iso_code, date: r.day!, rate: r.rate! })),
          },
        });
      },
    });

  // ----------------------------------------------------------------------------------- accounts
  api
    .route({
      method: 'get',
      path: '/plans/:plan_id/accounts',
      summary: 'Accounts, with balances',
      headers: auth,
      params: planParams,
      query: deltaQuery,
      responses: {
        200: data(
          'the accounts',
          Type.Object({ accounts: Type.Array(AccountJson), server_knowledge: knowledge }, open),
        ),
        304: cached,
        401: e401,
        404: e404,
      },
      handler: async ({ params, query }, req, res) => {
        const u = await user(req);
        if (await fresh(req, res, u, params.plan_id)) return;
        res.json({ data: await ex.listAccounts(db, u, params.plan_id, query.last_knowledge_of_server) });
      },
    })
    .route({
      method: 'post',
      path: '/plans/:plan_id/accounts',
      summary: 'Open an account',
      headers: auth,
      params: planParams,
      body: Type.Object({
        account: Type.Object({
          name,
          type: StringEnum(ex.ACCOUNT_TYPES),
          balance: amount,
          currency_iso_code: Type.Optional(
            Type.String({ pattern: '^[A-Z]{3}$', description: "beyond YNAB; default the plan's" }),
          ),
          on_budget: Type.Optional(Type.Boolean({ description: 'beyond YNAB; default by type' })),
        }),
      }),
      responses: {
        201: data('the account', Type.Object({ account: AccountJson, server_knowledge: knowledge }, open)),
        401: e401,
        404: e404,
      },
      handler: async ({ params, body }, req, res) => {
        res.status(201).json({ data: await ex.createAccount(db, await user(req), params.plan_id, body.account) });
      },
    })
    .route({
      method: 'get',
      path: '/plans/:plan_id/accounts/:account_id',
      summary: 'One account',
      headers: auth,
      params: idParams('account_id'),
      responses: { 200: data('the account', Type.Object({ account: AccountJson }, open)), 401: e401, 404: e404 },
      handler: async ({ params }, req, res) => {
        res.json({ data: { account: await ex.getAccount(db, await user(req), params.plan_id, params.account_id) } });
      },
    });

  // ------------------------------------------------------------------------ categories, payees
  api
    .route({
      method: 'get',
      path: '/plans/:plan_id/categories',
      summary: "Category groups and categories, with the current month's figures",
      headers: auth,
      params: planParams,
      query: deltaQuery,
      responses: {
        200: data(
          'the groups',
          Type.Object({ category_groups: Type.Array(GroupWithCategories), server_knowledge: knowledge }, open),
        ),
        304: cached,
        401: e401,
        404: e404,
      },
      handler: async ({ params, query }, req, res) => {
        const u = await user(req);
        if (await fresh(req, res, u, params.plan_id)) return;
        res.json({ data: await ex.listCategories(db, u, params.plan_id, query.last_knowledge_of_server) });
      },
    })
    .route({
      method: 'post',
      path: '/plans/:plan_id/category_groups',
      summary: 'Create a category group',
      headers: auth,
      params: planParams,
      body: Type.Object({ category_group: Type.Object({ name }) }),
      responses: {
        201: data('the group', Type.Object({ category_group: CategoryGroupJson, server_knowledge: knowledge }, open)),
        401: e401,
        404: e404,
      },
      handler: async ({ params, body }, req, res) => {
        const g = await ex.createCategoryGroup(db, await user(req), params.plan_id, body.category_group.name);
        const { knowledge: k, ...group } = g;
        res.status(201).json({ data: { category_group: group, server_knowledge: ex.money(k) } });
      },
    })
    .route({
      method: 'post',
      path: '/plans/:plan_id/categories',
      summary: 'Create a category',
      headers: auth,
      params: planParams,
      body: Type.Object({
        category: Type.Object({ name, category_group_id: uuid, note: nullableOpt(Type.String({ maxLength: 2000 })) }),
      }),
      responses: {
        201: data('the category', Type.Object({ category: CategoryJson, server_knowledge: knowledge }, open)),
        401: e401,
        404: e404,
        422: err('the group is not of this plan'),
      },
      handler: async ({ params, body }, req, res) => {
        const u = await user(req);
        const c = await ex.createCategory(db, u, params.plan_id, body.category);
        const m = await ex.getMonth(db, u, params.plan_id);
        const category = m.categories.find((x) => x.id === c.id)!;
        res.status(201).json({ data: { category, server_knowledge: ex.money(c.knowledge) } });
      },
    })
    .route({
      method: 'get',
      path: '/plans/:plan_id/payees',
      summary: 'Payees',
      headers: auth,
      params: planParams,
      query: deltaQuery,
      responses: {
        200: data('the payees', Type.Object({ payees: Type.Array(PayeeJson), server_knowledge: knowledge }, open)),
        304: cached,
        401: e401,
        404: e404,
      },
      handler: async ({ params, query }, req, res) => {
        const u = await user(req);
        if (await fresh(req, res, u, params.plan_id)) return;
        res.json({ data: await ex.listPayees(db, u, params.plan_id, query.last_knowledge_of_server) });
      },
    })
    .route({
      method: 'post',
      path: '/plans/:plan_id/payees',
      summary: 'Create a payee',
      headers: auth,
      params: planParams,
      body: Type.Object({ payee: Type.Object({ name }) }),
      responses: {
        201: data('the payee', Type.Object({ payee: PayeeJson, server_knowledge: knowledge }, open)),
        401: e401,
        404: e404,
        409: err('the plan has a payee of that name'),
      },
      handler: async ({ params, body }, req, res) => {
        const { knowledge: k, ...payee } = await ex.createPayee(db, await user(req), params.plan_id, body.payee.name);
        res.status(201).json({ data: { payee, server_knowledge: ex.money(k) } });
      },
    });

  // -------------------------------------------------------------------------------------- months
  api
    .route({
      method: 'get',
      path: '/plans/:plan_id/months',
      summary: 'Every month: income, budgeted, activity, to be budgeted',
      headers: auth,
      params: planParams,
      query: deltaQuery,
      responses: {
        200: data(
          'the months',
          Type.Object({ months: Type.Array(MonthSummaryJson), server_knowledge: knowledge }, open),
        ),
        304: cached,
        401: e401,
        404: e404,
        422: err('a missing exchange rate'),
      },
      handler: async ({ params }, req, res) => {
        const u = await user(req);
        if (await fresh(req, res, u, params.plan_id)) return;
        const m = await ex.listMonths(db, u, params.plan_id);
        res.json({
          data: { months: m.months.map((x) => ({ ...x, deleted: false })), server_knowledge: m.server_knowledge },
        });
      },
    })
    .route({
      method: 'get',
      path: '/plans/:plan_id/months/:month',
      summary: 'The month summary, with every category (one SQL statement)',
      headers: auth,
      params: monthParams,
      responses: {
        200: data('the month', Type.Object({ month: MonthDetailJson }, open)),
        304: cached,
        401: e401,
        404: e404,
        422: err('a missing exchange rate'),
      },
      handler: async ({ params }, req, res) => {
        const u = await user(req);
        if (await fresh(req, res, u, params.plan_id)) return;
        const m = await ex.getMonth(db, u, params.plan_id, monthOf(params.month));
        res.json({ data: { month: { ...m, deleted: false } } });
      },
    })
    .route({
      method: 'patch',
      path: '/plans/:plan_id/months/:month/categories/:category_id',
      summary: 'Set what is budgeted to a category in a month',
      headers: auth,
      params: Type.Object({ plan_id: uuid, month: monthParam, category_id: uuid }, open),
      body: Type.Object({ category: Type.Object({ budgeted: amount }) }),
      responses: {
        200: data(
          'the category in that month',
          Type.Object({ category: CategoryJson, server_knowledge: knowledge }, open),
        ),
        401: e401,
        404: e404,
      },
      handler: async ({ params, body }, req, res) => {
        const u = await user(req);
        const month = monthOf(params.month) ?? (await ex.getMonth(db, u, params.plan_id)).month;
        res.json({
          data: await ex.setMonthBudget(db, u, params.plan_id, month, params.category_id, body.category.budgeted),
        });
      },
    });

  // -------------------------------------------------------------------------------- transactions
  const listTx = async (
    req: Request,
    res: Response,
    planId: string,
    query: {
      since_date?: string;
      type?: 'uncategorized' | 'unapproved';
      last_knowledge_of_server?: number;
      limit?: number;
      after?: string;
    },
    extra: ex.TransactionFilters,
  ) => {
    const u = await user(req);
    if (await fresh(req, res, u, planId)) return undefined;
    const page = await ex.listTransactions(db, u, planId, { ...query, ...extra });
    if (page.next) {
      const url = new URL(req.originalUrl, 'http://x');
      url.searchParams.set('after', page.next);
      res.set('Link', `<${url.pathname}${url.search}>; rel="next"`);
    }
    return page;
  };
  api
    .route({
      method: 'get',
      path: '/plans/:plan_id/transactions',
      summary: 'Transactions (since_date, type, last_knowledge_of_server)',
      headers: auth,
      params: planParams,
      query: txListQuery,
      responses: { ...txListResponses, 304: cached },
      handler: async ({ params, query }, req, res) => {
        const page = await listTx(req, res, params.plan_id, query, {});
        if (page) res.json({ data: { transactions: page.transactions, server_knowledge: page.server_knowledge } });
      },
    })
    .route({
      method: 'get',
      path: '/plans/:plan_id/accounts/:account_id/transactions',
      summary: "An account's transactions",
      headers: auth,
      params: idParams('account_id'),
      query: txListQuery,
      responses: { ...txListResponses, 304: cached },
      handler: async ({ params, query }, req, res) => {
        const page = await listTx(req, res, params.plan_id, query, { account_id: params.account_id });
        if (page) res.json({ data: { transactions: page.transactions, server_knowledge: page.server_knowledge } });
      },
    })
    .route({
      method: 'get',
      path: '/plans/:plan_id/categories/:category_id/transactions',
      summary: "A category's transactions",
      headers: auth,
      params: idParams('category_id'),
      query: txListQuery,
      responses: { ...hybridResponses, 304: cached },
      handler: async ({ params, query }, req, res) => {
        const page = await listTx(req, res, params.plan_id, query, { category_id: params.category_id });
        if (page)
          res.json({ data: { transactions: hybrid(page.transactions), server_knowledge: page.server_knowledge } });
      },
    })
    .route({
      method: 'get',
      path: '/plans/:plan_id/payees/:payee_id/transactions',
      summary: "A payee's transactions",
      headers: auth,
      params: idParams('payee_id'),
      query: txListQuery,
      responses: { ...hybridResponses, 304: cached },
      handler: async ({ params, query }, req, res) => {
        const page = await listTx(req, res, params.plan_id, query, { payee_id: params.payee_id });
        if (page)
          res.json({ data: { transactions: hybrid(page.transactions), server_knowledge: page.server_knowledge } });
      },
    })
    .route({
      method: 'get',
      path: '/plans/:plan_id/months/:month/transactions',
      summary: "A month's transactions",
      headers: auth,
      params: monthParams,
      query: txListQuery,
      responses: { ...txListResponses, 304: cached },
      handler: async ({ params, query }, req, res) => {
        const u = await user(req);
        const month = monthOf(params.month) ?? (await ex.getMonth(db, u, params.plan_id)).month;
        const page = await listTx(req, res, params.plan_id, query, { month });
        if (page) res.json({ data: { transactions: page.transactions, server_knowledge: page.server_knowledge } });
      },
    })
    .route({
      method: 'post',
      path: '/plans/:plan_id/transactions',
      summary: 'Create one transaction or many; import_id duplicates are skipped and reported',
      headers: auth,
      params: planParams,
      body: Type.Object({
        transaction: Type.Optional(NewTx),
        transactions: Type.Optional(Type.Array(NewTx, { maxItems: ex.MAX_BATCH })),
      }),
      responses: {
        201: data(
          'what was created',
          Type.Object(
            {
              transaction_ids: Type.Array(uuid),
              transaction: Type.Optional(TransactionJson),
              transactions: Type.Optional(Type.Array(TransactionJson)),
              duplicate_import_ids: Type.Array(Type.String()),
              server_knowledge: knowledge,
            },
            open,
          ),
        ),
        400: err('neither transaction nor transactions, or invalid input'),
        401: e401,
        404: e404,
        422: err('split lines that do not sum, or an account, category or payee outside the plan'),
      },
      handler: async ({ params, body }, req, res) => {
        const one = body.transaction;
        const rows = one ? [one] : body.transactions;
        if (!rows || (one && body.transactions))
          throw new HttpError(400, 'Invalid request', 'give either transaction or transactions');
        if (rows.some((r) => r.date === undefined && r.posted_at === undefined))
          throw new HttpError(400, 'Invalid request', 'every transaction needs a date (or posted_at)');
        const saved = await ex.createTransactions(db, await user(req), params.plan_id, rows);
        const { transactions, ...rest } = saved;
        res.status(201).json({ data: one ? { ...rest, transaction: transactions[0] } : saved });
      },
    })
    .route({
      method: 'get',
      path: '/plans/:plan_id/transactions/:transaction_id',
      summary: 'One transaction',
      headers: auth,
      params: idParams('transaction_id'),
      responses: {
        200: data('the transaction', Type.Object({ transaction: TransactionJson, server_knowledge: knowledge }, open)),
        401: e401,
        404: e404,
      },
      handler: async ({ params }, req, res) => {
        res.json({ data: await ex.getTransaction(db, await user(req), params.plan_id, params.transaction_id) });
      },
    })
    .route({
      method: 'put',
      path: '/plans/:plan_id/transactions/:transaction_id',
      summary: 'Change a transaction (absent fields are kept)',
      headers: auth,
      params: idParams('transaction_id'),
      body: Type.Object({ transaction: Type.Object({ ...txFields, account_id: Type.Optional(uuid) }) }),
      responses: {
        200: data('the transaction', Type.Object({ transaction: TransactionJson, server_knowledge: knowledge }, open)),
        401: e401,
        404: e404,
        422: err('split lines that do not sum, or a category or payee outside the plan'),
      },
      handler: async ({ params, body }, req, res) => {
        const { account_id, ...patch } = body.transaction;
        const u = await user(req);
        if (account_id !== undefined) {
          const current = await ex.getTransaction(db, u, params.plan_id, params.transaction_id);
          if (current.transaction.account_id !== account_id)
            throw new HttpError(422, 'Not acceptable', 'moving a transaction to another account is not supported');
        }
        res.json({ data: await ex.updateTransaction(db, u, params.plan_id, params.transaction_id, patch) });
      },
    })
    .route({
      method: 'delete',
      path: '/plans/:plan_id/transactions/:transaction_id',
      summary: 'Delete a transaction (a transfer with its mirror)',
      headers: auth,
      params: idParams('transaction_id'),
      responses: {
        200: data(
          'the deleted transaction',
          Type.Object({ transaction: TransactionJson, server_knowledge: knowledge }, open),
        ),
        401: e401,
        404: e404,
      },
      handler: async ({ params }, req, res) => {
        res.json({ data: await ex.deleteTransaction(db, await user(req), params.plan_id, params.transaction_id) });
      },
    })
    .route({
      method: 'post',
      path: '/plans/:plan_id/accounts/:account_id/imports',
      summary: 'Import a bank file, idempotently (beyond YNAB)',
      description:
        "Either `csv` (a header row with date or posted_at, amount or amount_milliunits, and optionally payee, memo, id) or `rows`. Each row gets an import_id (the file's id, or YNAB:<amount>:<date>:<occurrence>), so importing a file again creates nothing twice.",
      headers: auth,
      params: idParams('account_id'),
      body: Type.Object({
        csv: Type.Optional(Type.String({ maxLength: 900_000 })),
        rows: Type.Optional(
          Type.Array(
            Type.Object({
              posted_at: Type.Optional(Type.String({ format: 'date-time' })),
              date: Type.Optional(date),
              amount,
              payee_name: Type.Optional(Type.String({ maxLength: 200 })),
              memo: Type.Optional(Type.String({ maxLength: 500 })),
              fitid: Type.Optional(Type.String({ minLength: 1, maxLength: 36 })),
            }),
            { maxItems: ex.MAX_BATCH },
          ),
        ),
      }),
      responses: {
        201: data(
          'what was imported and what was already there',
          Type.Object(
            { transaction_ids: Type.Array(uuid), imported: int, skipped: int, server_knowledge: knowledge },
            open,
          ),
        ),
        400: err('an unreadable CSV line'),
        401: e401,
        404: e404,
        422: err('the account is not of this plan'),
      },
      handler: async ({ params, body }, req, res) => {
        let rows: ex.ImportRow[];
        try {
          rows = body.csv !== undefined ? ex.parseCsv(body.csv) : (body.rows ?? []);
        } catch (e) {
          if (e instanceof ex.CsvError) throw new HttpError(400, 'Invalid CSV', e.message);
          throw e;
        }
        if (rows.some((r) => !r.date && !r.posted_at))
          throw new HttpError(400, 'Invalid request', 'every row needs date or posted_at');
        if (rows.length > ex.MAX_BATCH) throw new HttpError(400, 'Invalid request', `at most ${ex.MAX_BATCH} rows`);
        res
          .status(201)
          .json({ data: await ex.importTransactions(db, await user(req), params.plan_id, params.account_id, rows) });
      },
    });

  // ---------------------------------------------------------------------- scheduled transactions
  const ScheduledIn = Type.Object({
    scheduled_transaction: Type.Object({
      account_id: uuid,
      date,
      amount: Type.Optional(amount),
      payee_id: nullableOpt(uuid),
      payee_name: nullableOpt(Type.String({ maxLength: 200 })),
      category_id: nullableOpt(uuid),
      memo,
      flag_color: flag,
      frequency: Type.Optional(StringEnum(ex.FREQUENCIES)),
    }),
  });
  api
    .route({
      method: 'get',
      path: '/plans/:plan_id/scheduled_transactions',
      summary: 'Scheduled transactions',
      headers: auth,
      params: planParams,
      query: deltaQuery,
      responses: {
        200: data(
          'the scheduled transactions',
          Type.Object({ scheduled_transactions: Type.Array(ScheduledJson), server_knowledge: knowledge }, open),
        ),
        304: cached,
        401: e401,
        404: e404,
      },
      handler: async ({ params, query }, req, res) => {
        const u = await user(req);
        if (await fresh(req, res, u, params.plan_id)) return;
        res.json({ data: await ex.listScheduledTransactions(db, u, params.plan_id, query.last_knowledge_of_server) });
      },
    })
    .route({
      method: 'post',
      path: '/plans/:plan_id/scheduled_transactions',
      summary: 'Create a scheduled transaction',
      headers: auth,
      params: planParams,
      body: ScheduledIn,
      responses: {
        201: data('the scheduled transaction', Type.Object({ scheduled_transaction: ScheduledJson }, open)),
        401: e401,
        404: e404,
        422: err('an account, category or payee outside the plan'),
      },
      handler: async ({ params, body }, req, res) => {
        const s = body.scheduled_transaction;
        const created = await ex.createScheduledTransaction(db, await user(req), params.plan_id, {
          ...s,
          amount: s.amount ?? 0,
        });
        res.status(201).json({ data: { scheduled_transaction: created } });
      },
    })
    .route({
      method: 'get',
      path: '/plans/:plan_id/scheduled_transactions/:scheduled_transaction_id',
      summary: 'One scheduled transaction',
      headers: auth,
      params: idParams('scheduled_transaction_id'),
      responses: {
        200: data('the scheduled transaction', Type.Object({ scheduled_transaction: ScheduledJson }, open)),
        401: e401,
        404: e404,
      },
      handler: async ({ params }, req, res) => {
        const s = await ex.getScheduledTransaction(
          db,
          await user(req),
          params.plan_id,
          params.scheduled_transaction_id,
        );
        res.json({ data: { scheduled_transaction: s } });
      },
    })
    .route({
      method: 'put',
      path: '/plans/:plan_id/scheduled_transactions/:scheduled_transaction_id',
      summary: 'Replace a scheduled transaction',
      headers: auth,
      params: idParams('scheduled_transaction_id'),
      body: ScheduledIn,
      responses: {
        200: data('the scheduled transaction', Type.Object({ scheduled_transaction: ScheduledJson }, open)),
        401: e401,
        404: e404,
        422: err('an account, category or payee outside the plan'),
      },
      handler: async ({ params, body }, req, res) => {
        const s = body.scheduled_transaction;
        const updated = await ex.updateScheduledTransaction(
          db,
          await user(req),
          params.plan_id,
          params.scheduled_transaction_id,
          {
            ...s,
            amount: s.amount ?? 0,
          },
        );
        res.json({ data: { scheduled_transaction: updated } });
      },
    })
    .route({
      method: 'delete',
      path: '/plans/:plan_id/scheduled_transactions/:scheduled_transaction_id',
      summary: 'Delete a scheduled transaction',
      headers: auth,
      params: idParams('scheduled_transaction_id'),
      responses: {
        200: data('the deleted scheduled transaction', Type.Object({ scheduled_transaction: ScheduledJson }, open)),
        401: e401,
        404: e404,
      },
      handler: async ({ params }, req, res) => {
        const s = await ex.deleteScheduledTransaction(
          db,
          await user(req),
          params.plan_id,
          params.scheduled_transaction_id,
        );
        res.json({ data: { scheduled_transaction: s } });
      },
    });

  // ----------------------------------------------------------------------------------- reports
  const point = (fields: Record<string, TSchema>) => Type.Object(fields, open);
  const totalsRow = point({
    key: nstr,
    name: nstr,
    total: int,
    inflow: int,
    outflow: int,
    count: int,
    average: Type.Integer({ description: 'total / count, rounded half away from zero to a milliunit' }),
  });
  const report = <T extends TSchema>(
    path: string,
    summary: string,
    schema: T,
    run: (u: string, plan: string, q: { since?: string; until?: string; account_id?: string }) => Promise<unknown>,
    query: TSchema = rangeQuery,
  ) =>
    api.route({
      method: 'get',
      path: `/plans/:plan_id/reports/${path}`,
      summary,
      description:
        'since and until are local dates of the plan (inclusive); default: the first day of the month eleven months ago, and today.',
      headers: auth,
      params: planParams,
      query,
      responses: { 200: data(summary, schema), 304: cached, 401: e401, 404: e404, 422: err('a missing exchange rate') },
      handler: async ({ params, query: q }, req, res) => {
        const u = await user(req);
        if (await fresh(req, res, u, params.plan_id)) return;
        res.json({ data: await run(u, params.plan_id, q as { since?: string; until?: string }) });
      },
    });
  report(
    'totals',
    'Totals, counts and averages per category, month, payee and account (GROUPING SETS)',
    Type.Object(
      {
        since: date,
        until: date,
        total: point({ total: int, inflow: int, outflow: int, count: int, average: int }),
        by_category: Type.Array(totalsRow),
        by_month: Type.Array(totalsRow),
        by_payee: Type.Array(totalsRow),
        by_account: Type.Array(totalsRow),
      },
      open,
    ),
    (u, p, q) => ex.reportTotals(db, u, p, q),
  );
  report(
    'running_balance',
    'Running balance per account and day (window sum)',
    Type.Object(
      {
        series: Type.Array(
          point({
            account_id: uuid,
            account_name: Type.String(),
            points: Type.Array(point({ date, change: int, balance: int })),
          }),
        ),
      },
      open,
    ),
    (u, p, q) => ex.reportRunningBalance(db, u, p, q),
    Type.Object({ since: Type.Optional(date), until: Type.Optional(date), account_id: Type.Optional(uuid) }),
  );
  const momPoints = Type.Array(point({ month: date, total: int, change: int }));
  report(
    'month_over_month',
    'Spending per month and its change from the month before, per category and overall (window lag)',
    Type.Object(
      {
        total: momPoints,
        by_category: Type.Array(point({ category_id: nuuid, category_name: nstr, points: momPoints })),
      },
      open,
    ),
    (u, p, q) => ex.reportMonthOverMonth(db, u, p, q),
  );
  report(
    'weekday',
    'Spending by ISO weekday (1 Monday .. 7 Sunday)',
    Type.Object(
      {
        series: Type.Array(
          point({ weekday: Type.Integer({ minimum: 1, maximum: 7 }), total: int, count: int, average: int }),
        ),
      },
      open,
    ),
    (u, p, q) => ex.reportWeekday(db, u, p, q),
  );
  report(
    'budget_vs_actual',
    'Budgeted against activity per category and month',
    Type.Object(
      {
        series: Type.Array(
          point({
            category_id: uuid,
            category_name: Type.String(),
            points: Type.Array(point({ month: date, budgeted: int, activity: int, remaining: int })),
          }),
        ),
      },
      open,
    ),
    (u, p, q) => ex.reportBudgetVsActual(db, u, p, q),
  );

  api.router.use((req: Request, res: Response) => {
    res.status(404).json({ error: { id: '404', name: 'not_found', detail: `no route for ${req.method} ${req.path}` } });
  });
  api.router.use(ynabErrors);
  return api;
}
