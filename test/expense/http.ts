/**
 * /expense/v1 over HTTP, beyond what the ynab client exercises: sign-up and log-in, every bad input
 * answered with a 4xx in YNAB's error shape (never a 500), foreign plans as 404, ETags and 304s
 * from server_knowledge, the reports' series, exchange rates, the idempotent CSV import, and the
 * OpenAPI document. The test client checks every JSON response against the schema its route
 * declares for its status.
 */
import t from 'tap';
import { testDb } from '../helpers/db.js';
import { call, userWithPlan } from '../helpers/expense.js';
import { testServer } from '../helpers/http.js';

t.setTimeout(120_000);

const NIL = '00000000-0000-4000-8000-000000000000';

t.test('accounts, tokens and errors in the YNAB shape', async (t) => {
  const { sql } = await testDb(t);
  const server = await testServer(t, sql);
  const su = await call(server, 'POST', '/users', { user: { email: 'Ann@Example.com', password: 'correct horse' } });
  t.equal(su.status, 201);
  t.match(su.body.data, { access_token: /^[\w-]{43}$/, user: { id: /^[0-9a-f-]{36}$/ } });
  const dup = await call(server, 'POST', '/users', { user: { email: 'ann@example.COM', password: 'correct horse' } });
  t.same([dup.status, dup.body.error.id, dup.body.error.name], [409, '409', 'conflict'], 'e-mail taken, any case');
  t.same(
    (await call(server, 'POST', '/users', { user: { email: 'not an email', password: 'correct horse' } })).status,
    422,
  );
  t.equal((await call(server, 'POST', '/users', { user: { email: 'a@b.c', password: 'short' } })).status, 400);
  const login = await call(server, 'POST', '/tokens', {
    user: { email: 'ANN@example.com', password: 'correct horse' },
  });
  t.equal(login.status, 201);
  t.not(login.body.data.access_token, su.body.data.access_token);
  t.equal(
    (await call(server, 'GET', '/user', undefined, login.body.data.access_token)).body.data.user.id,
    su.body.data.user.id,
  );
  const wrong = await call(server, 'POST', '/tokens', { user: { email: 'ann@example.com', password: 'wrong horse' } });
  t.same([wrong.status, wrong.body.error.id], [401, '401']);
  const none = await call(server, 'GET', '/user');
  t.same([none.status, none.headers.get('www-authenticate')], [401, 'Bearer']);
  t.equal((await call(server, 'GET', '/user', undefined, 'x'.repeat(43))).status, 401);
  const nope = await call(server, 'GET', '/nothing/here');
  t.same([nope.status, nope.body.error.name], [404, 'not_found']);
  const malformed = await server.request('/expense/v1/users', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"user":',
  });
  t.same([malformed.status, ((await malformed.json()) as { error: { id: string } }).error.id], [400, '400']);
});

t.test('bad input is a 4xx, never a 500; foreign plans are 404', async (t) => {
  const { sql } = await testDb(t);
  const server = await testServer(t, sql);
  const { token, planId } = await userWithPlan(server, 'bad@example.com');
  const other = await userWithPlan(server, 'other@example.com');
  const c = (method: string, path: string, body?: unknown, tok = token) => call(server, method, path, body, tok);
  const acct = (await c('POST', `/plans/${planId}/accounts`, { account: { name: 'A', type: 'checking', balance: 0 } }))
    .body.data.account;
  const otherAcct = (
    await c(
      'POST',
      `/plans/${other.planId}/accounts`,
      { account: { name: 'B', type: 'cash', balance: 0 } },
      other.token,
    )
  ).body.data.account;

  const cases: [string, string, unknown, number][] = [
    ['POST', '/plans', { plan: { name: 'x', currency_iso_code: 'usd', time_zone: 'UTC' } }, 400],
    ['POST', '/plans', { plan: { name: 'x', currency_iso_code: 'USD', time_zone: 'Mars/Olympus' } }, 422],
    ['POST', '/plans', { plan: { name: ' ', currency_iso_code: 'USD', time_zone: 'UTC' } }, 422],
    ['GET', `/plans/not-a-uuid`, undefined, 400],
    ['GET', `/plans/${NIL}`, undefined, 404],
    ['GET', `/plans/${other.planId}`, undefined, 404],
    ['GET', `/plans/${other.planId}/transactions`, undefined, 404],
    ['GET', `/plans/${other.planId}/reports/totals`, undefined, 404],
    ['GET', `/plans/${planId}/accounts/${otherAcct.id}`, undefined, 404],
    ['POST', `/plans/${planId}/accounts`, { account: { name: 'x', type: 'piggy', balance: 0 } }, 400],
    ['POST', `/plans/${planId}/accounts`, { account: { name: 'x', type: 'cash', balance: 1.5 } }, 400],
    ['POST', `/plans/${planId}/transactions`, {}, 400],
    [
      'POST',
      `/plans/${planId}/transactions`,
      { transaction: { account_id: acct.id, date: '2024-01-01', amount: 0.5 } },
      400,
    ],
    [
      'POST',
      `/plans/${planId}/transactions`,
      { transaction: { account_id: acct.id, date: '2024-13-45', amount: 1 } },
      400,
    ],
    [
      'POST',
      `/plans/${planId}/transactions`,
      { transaction: { account_id: acct.id, date: '1800-01-01', amount: 1 } },
      422,
    ],
    ['POST', `/plans/${planId}/transactions`, { transaction: { account_id: acct.id, amount: 1 } }, 400],
    [
      'POST',
      `/plans/${planId}/transactions`,
      { transaction: { account_id: otherAcct.id, date: '2024-01-01', amount: 1 } },
      422,
    ],
    [
      'POST',
      `/plans/${planId}/transactions`,
      { transaction: { account_id: acct.id, date: '2024-01-01', amount: 1, category_id: NIL } },
      422,
    ],
    [
      'POST',
      `/plans/${planId}/transactions`,
      { transaction: { account_id: acct.id, date: '2024-01-01', amount: -10, subtransactions: [{ amount: -3 }] } },
      422,
    ],
    [
      'POST',
      `/plans/${planId}/transactions`,
      { transaction: { account_id: acct.id, date: '2024-01-01', amount: -10, payee_id: acct.transfer_payee_id } },
      422,
    ],
    [
      'PUT',
      `/plans/${planId}/scheduled_transactions/${NIL}`,
      { scheduled_transaction: { account_id: acct.id, date: '2024-01-01' } },
      404,
    ],
    ['PUT', `/plans/${planId}/transactions/${NIL}`, { transaction: { memo: 'x' } }, 404],
    ['DELETE', `/plans/${planId}/transactions/${NIL}`, undefined, 404],
    ['GET', `/plans/${planId}/transactions?type=cleared`, undefined, 400],
    ['GET', `/plans/${planId}/transactions?since_date=yesterday`, undefined, 400],
    ['GET', `/plans/${planId}/transactions?last_knowledge_of_server=-1`, undefined, 400],
    ['GET', `/plans/${planId}/transactions?after=garbage`, undefined, 400],
    ['GET', `/plans/${planId}/months/2024-13`, undefined, 400],
    ['PATCH', `/plans/${planId}/months/current/categories/${NIL}`, { category: { budgeted: 1 } }, 404],
    ['PATCH', `/plans/${planId}/months/current/categories/${NIL}`, { category: { budgeted: 'lots' } }, 400],
    ['POST', `/plans/${planId}/categories`, { category: { name: 'x', category_group_id: NIL } }, 422],
    [
      'PUT',
      `/plans/${planId}/exchange_rates`,
      { exchange_rates: [{ currency_iso_code: 'EUR', date: '2024-01-01', rate: 1.1 }] },
      400,
    ],
    [
      'PUT',
      `/plans/${planId}/exchange_rates`,
      { exchange_rates: [{ currency_iso_code: 'EUR', date: '2024-01-01', rate: '0' }] },
      422,
    ],
    ['POST', `/plans/${planId}/accounts/${acct.id}/imports`, { csv: 'date,amount\n2024-01-01,1.23456\n' }, 400],
    ['POST', `/plans/${planId}/accounts/${acct.id}/imports`, { rows: [{ amount: 1 }] }, 400],
    ['POST', `/plans/${planId}/accounts/${otherAcct.id}/imports`, { rows: [{ date: '2024-01-01', amount: 1 }] }, 422],
    ['GET', `/plans/${planId}/reports/totals?since=today`, undefined, 400],
    ['GET', `/plans/${planId}/reports/nothing`, undefined, 404],
    ['DELETE', `/plans/${planId}/scheduled_transactions/${NIL}`, undefined, 404],
  ];
  for (const [method, path, body, status] of cases) {
    const r = await c(method, path, body);
    t.equal(r.status, status, `${method} ${path} ${JSON.stringify(body) ?? ''}`);
    t.type(r.body?.error?.detail, 'string', 'in the YNAB error shape');
  }
  const taken = await c('POST', `/plans/${planId}/payees`, { payee: { name: 'Shop' } });
  t.equal(taken.status, 201);
  t.equal((await c('POST', `/plans/${planId}/payees`, { payee: { name: 'SHOP' } })).status, 409);
});

t.test('reports, rates and the CSV import over HTTP; ETags and 304s', async (t) => {
  const { sql } = await testDb(t);
  const server = await testServer(t, sql);
  const { token, planId } = await userWithPlan(server, 'rep@example.com', { time_zone: 'Europe/Berlin' });
  const c = (method: string, path: string, body?: unknown) => call(server, method, path, body, token);
  const acct = (
    await c('POST', `/plans/${planId}/accounts`, { account: { name: 'Giro', type: 'checking', balance: 0 } })
  ).body.data.account;
  const eur = (
    await c('POST', `/plans/${planId}/accounts`, {
      account: { name: 'Cash', type: 'cash', balance: 0, currency_iso_code: 'EUR' },
    })
  ).body.data.account;
  t.equal(eur.currency_iso_code, 'EUR');
  t.same(
    (
      await c('PUT', `/plans/${planId}/exchange_rates`, {
        exchange_rates: [{ currency_iso_code: 'EUR', date: '2024-01-01', rate: '1.5' }],
      })
    ).body.data.exchange_rates,
    [{ currency_iso_code: 'EUR', date: '2024-01-01', rate: '1.500000000000' }],
  );
  const csv =
    'posted_at,amount,payee\n2024-03-31T23:30:00+02:00,-10.00,Bakery\n2024-04-01T08:00:00+02:00,-2.50,Bakery\n';
  const first = await c('POST', `/plans/${planId}/accounts/${acct.id}/imports`, { csv });
  t.match(first, { status: 201, body: { data: { imported: 2, skipped: 0 } } });
  const again = await c('POST', `/plans/${planId}/accounts/${acct.id}/imports`, { csv });
  t.match(again.body.data, { imported: 0, skipped: 2 }, 'the same file again: nothing new');
  await c('POST', `/plans/${planId}/transactions`, {
    transaction: { account_id: eur.id, date: '2024-04-02', amount: -1_000 },
  });

  const range = '?since=2024-03-01&until=2024-04-30';
  const totals = await c('GET', `/plans/${planId}/reports/totals${range}`);
  t.equal(totals.status, 200);
  t.same(
    totals.body.data.by_month.map((m: { key: string; total: number }) => [m.key, m.total]),
    [
      ['2024-03-01', -10_000],
      ['2024-04-01', -2_500 - 1_500],
    ],
    '23:30 in Berlin on 31 March is March; the euro row at 1.5',
  );
  t.equal(totals.headers.get('cache-control'), 'private, no-cache');
  const etag = totals.headers.get('etag')!;
  t.match(etag, /^"\d+\.\d{4}-\d{2}-\d{2}\.[\w-]+"$/);
  const cached = await server.request(`/expense/v1/plans/${planId}/reports/totals${range}`, {
    headers: { authorization: `Bearer ${token}`, 'if-none-match': etag },
  });
  t.equal(cached.status, 304, 'unchanged plan: 304 without running the report');
  const otherQuery = await server.request(`/expense/v1/plans/${planId}/reports/totals?since=2024-04-01`, {
    headers: { authorization: `Bearer ${token}`, 'if-none-match': etag },
  });
  t.equal(otherQuery.status, 200, 'another query has another tag');
  await c('POST', `/plans/${planId}/transactions`, {
    transaction: { account_id: acct.id, date: '2024-04-03', amount: -1 },
  });
  const changed = await server.request(`/expense/v1/plans/${planId}/reports/totals${range}`, {
    headers: { authorization: `Bearer ${token}`, 'if-none-match': etag },
  });
  t.equal(changed.status, 200, 'a change to the plan moves the tag');

  for (const r of ['running_balance', 'month_over_month', 'weekday', 'budget_vs_actual']) {
    const res = await c('GET', `/plans/${planId}/reports/${r}${range}`);
    t.equal(res.status, 200, r);
  }
  const weekday = await c('GET', `/plans/${planId}/reports/weekday${range}`);
  t.same(
    weekday.body.data.series.map((w: { weekday: number; count: number }) => [w.weekday, w.count]),
    [
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 0],
      [5, 0],
      [6, 0],
      [7, 1],
    ],
    'Sunday 31 March (local), Monday 1, Tuesday 2 and Wednesday 3 April',
  );
  const running = await c('GET', `/plans/${planId}/reports/running_balance${range}&account_id=${acct.id}`);
  t.same(
    running.body.data.series[0].points.map((p: { balance: number }) => p.balance),
    [-10_000, -12_500, -12_501],
  );
  const months = await c('GET', `/plans/${planId}/months`);
  t.equal(months.body.data.months[0].month, '2024-03-01');
  const month = await c('GET', `/plans/${planId}/months/2024-04-17`);
  t.equal(month.body.data.month.month, '2024-04-01', 'any day names its month');

  const doc = (await (await server.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
  for (const p of [
    '/expense/v1/plans/{plan_id}/transactions',
    '/expense/v1/plans/{plan_id}/months/{month}',
    '/expense/v1/plans/{plan_id}/reports/totals',
  ])
    t.ok(doc.paths[p], `documented: ${p}`);
});
