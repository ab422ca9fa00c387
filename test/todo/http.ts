// The /todo HTTP API on real PostgreSQL: the Todo-Backend spec flows, then what we add beyond it.
import t from 'tap';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';

const { sql } = await testDb(t);
const api = await testServer(t, sql);
type TodoJson = {
  id: number;
  title: string;
  completed: boolean;
  order: number | null;
  url: string;
  createdAt: string;
  updatedAt: string;
};

const post = async (json: unknown) => api.request('/todo', { method: 'POST', json });
const body = async <T = TodoJson>(res: Response) => (await res.json()) as T;

t.test('Todo-Backend spec', async (t) => {
  t.equal((await api.request('/todo', { method: 'DELETE' })).status, 204, 'the root accepts DELETE');
  t.same(await body(await api.request('/todo')), [], 'after DELETE the list is empty');

  const created = await post({ title: 'a todo' });
  t.equal(created.status, 201);
  const todo = await body(created);
  t.match(todo, { title: 'a todo', completed: false, order: null });
  t.match(todo.url, /^http:\/\/127\.0\.0\.1:\d+\/todo\/\d+$/, 'url is absolute');
  t.equal(created.headers.get('location'), todo.url);

  const list = await body<TodoJson[]>(await api.request('/todo'));
  t.same(
    list.map((x) => x.url),
    [todo.url],
    'the new todo is listed',
  );
  t.same(await body(await api.request(todo.url)), todo, 'its url GETs it');

  const patched = await body(
    await api.request(todo.url, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'bathe the cat', completed: true }),
    }),
  );
  t.match(patched, { title: 'bathe the cat', completed: true, url: todo.url });
  t.match(await body(await api.request(todo.url)), { title: 'bathe the cat', completed: true }, 'changes persist');

  const ordered = await body(await post({ title: 'ordered', order: 523 }));
  t.equal(ordered.order, 523, 'order on create');
  t.equal(
    (
      await body(
        await api.request(ordered.url, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: '{"order":95}',
        }),
      )
    ).order,
    95,
    'order on patch',
  );

  t.equal((await api.request(todo.url, { method: 'DELETE' })).status, 204);
  t.equal((await api.request(todo.url)).status, 404, 'deleted todo is gone');
  t.same(
    (await body<TodoJson[]>(await api.request('/todo'))).map((x) => x.id),
    [ordered.id],
  );
});

t.test('CORS: preflight for every method, headers exposed', async (t) => {
  for (const path of ['/todo', '/todo/1']) {
    const res = await api.request(path, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://example.com',
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'content-type, if-match',
      },
    });
    t.equal(res.status, 204);
    t.equal(res.headers.get('access-control-allow-origin'), '*');
    t.match(res.headers.get('access-control-allow-methods'), /GET.*POST.*PATCH.*DELETE/);
    t.equal(res.headers.get('access-control-allow-headers'), 'content-type, if-match');
  }
  const res = await api.request('/todo', { headers: { origin: 'http://example.com' } });
  t.equal(res.headers.get('access-control-allow-origin'), '*');
  t.match(res.headers.get('access-control-expose-headers'), /ETag.*Link/);
});

t.test('ETag, If-None-Match, If-Match', async (t) => {
  const res = await post({ title: 'versioned' });
  t.equal(res.headers.get('etag'), '"1"');
  const todo = await body(res);
  const path = `/todo/${todo.id}`;
  t.equal((await api.request(path)).headers.get('etag'), '"1"');
  t.equal((await api.request(path, { headers: { 'if-none-match': '"1"' } })).status, 304);
  t.equal((await api.request(path, { headers: { 'if-none-match': '"7"' } })).status, 200);

  const ok = await api.request(path, { method: 'PATCH', headers: { 'if-match': '"1"' }, json: { completed: true } });
  t.equal(ok.status, 200);
  t.equal(ok.headers.get('etag'), '"2"');
  const stale = await api.request(path, {
    method: 'PATCH',
    headers: { 'if-match': '"1"' },
    json: { completed: false },
  });
  t.equal(stale.status, 412);
  t.equal(stale.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  t.match(await stale.json(), { status: 412, title: 'Precondition failed' });
  t.equal((await body(await api.request(path))).completed, true, 'the stale write did nothing');
  t.equal(
    (await api.request(path, { method: 'PATCH', headers: { 'if-match': 'W/"2"' }, json: { completed: false } })).status,
    412,
    'weak tags never match',
  );
  t.equal((await api.request(path, { method: 'PATCH', headers: { 'if-match': '"1", "2"' }, json: {} })).status, 400);
  t.equal(
    (await api.request(path, { method: 'PATCH', headers: { 'if-match': '*' }, json: { order: 1 } })).status,
    200,
    '* matches any version',
  );
  t.equal((await api.request(path, { method: 'DELETE', headers: { 'if-match': '"2"' } })).status, 412);
  t.equal((await api.request(path, { method: 'DELETE', headers: { 'if-match': '"3"' } })).status, 204);
});

t.test('filter and keyset pages with Link headers', async (t) => {
  await api.request('/todo', { method: 'DELETE' });
  for (let i = 0; i < 7; i++) await post({ title: `p${i}`, completed: i % 2 === 0 });
  const titles: string[] = [];
  let next: string | undefined = `${api.base}/todo?completed=true&limit=2`;
  while (next) {
    const res: Response = await api.request(next);
    t.equal(res.status, 200);
    titles.push(...(await body<TodoJson[]>(res)).map((x) => x.title));
    next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    if (next) t.match(next, /completed=true/, 'the next link keeps the filter');
  }
  t.same(titles, ['p0', 'p2', 'p4', 'p6']);
  t.same(
    (await body<TodoJson[]>(await api.request('/todo?completed=false'))).map((x) => x.title),
    ['p1', 'p3', 'p5'],
  );
});

t.test('bad input: clear 4xx problems, never 500', async (t) => {
  const cases: [string, RequestInit & { json?: unknown }, number, RegExp | string][] = [
    ['/todo/abc', {}, 400, 'id'],
    ['/todo/0', {}, 400, 'id'],
    ['/todo/99999999999999999999', {}, 400, 'id'],
    ['/todo/123456', {}, 404, ''],
    ['/todo/123456', { method: 'PATCH', json: { completed: true } }, 404, ''],
    ['/todo/123456', { method: 'DELETE' }, 404, ''],
    ['/todo', { method: 'POST', json: {} }, 400, 'title'],
    ['/todo', { method: 'POST', json: { title: 5 } }, 400, 'title'],
    ['/todo', { method: 'POST', json: { title: '' } }, 400, 'title'],
    ['/todo', { method: 'POST', json: { title: 'x'.repeat(501) } }, 400, 'title'],
    ['/todo', { method: 'POST', json: { title: '   ' } }, 422, 'title'],
    ['/todo', { method: 'POST', json: { title: 'a', completed: 'yes' } }, 400, 'completed'],
    ['/todo', { method: 'POST', json: { title: 'a', order: 1.5 } }, 400, 'order'],
    ['/todo', { method: 'POST', json: { title: 'a', order: 2 ** 31 } }, 400, 'order'],
    ['/todo', { method: 'POST', json: { title: 'a', colour: 'red' } }, 400, 'colour'],
    ['/todo', { method: 'POST', json: [1, 2] }, 400, '(body)'],
    ['/todo', { method: 'POST' }, 400, '(body)'],
    ['/todo', { method: 'POST', body: '{"title":', headers: { 'content-type': 'application/json' } }, 400, ''],
    [
      '/todo',
      { method: 'POST', body: 'title=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      400,
      'content-type',
    ],
    ['/todo?limit=0', {}, 400, 'limit'],
    ['/todo?limit=abc', {}, 400, 'limit'],
    ['/todo?completed=maybe', {}, 400, 'completed'],
    ['/todo?after=%25%25', {}, 400, 'after'],
    ['/nowhere', {}, 404, ''],
    ['/todo/1/2', {}, 404, ''],
  ];
  for (const [path, init, status, field] of cases) {
    const res = await api.request(path, init);
    const label = `${init.method ?? 'GET'} ${path} ${JSON.stringify(init.json ?? init.body ?? '').slice(0, 40)}`;
    t.equal(res.status, status, label);
    t.match(res.headers.get('content-type'), /^application\/problem\+json/, `${label}: problem+json`);
    const problem = (await res.json()) as { status: number; errors?: { field: string }[] };
    t.equal(problem.status, status);
    if (field)
      t.ok(
        problem.errors?.some((e) => e.field === field),
        `${label}: names ${field}`,
      );
  }
  const big = await api.request('/todo', {
    method: 'POST',
    body: JSON.stringify({ title: 'x'.repeat(1_100_000) }),
    headers: { 'content-type': 'application/json' },
  });
  t.equal(big.status, 413, 'bodies over 1 MB');
});

t.test('validation output is bounded: at most 20 issues, short fields, for any body', async (t) => {
  type Problem = { status: number; detail: string; errors: { in: string; field: string; message: string }[] };
  // 50,000 unknown keys in a body under the 1 MB limit: once a 4.9 MB problem listing all of them.
  const keys = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 1]));
  const huge = await post({ title: 'a', ...keys });
  t.equal(huge.status, 400, '50,000 unknown keys');
  const hugeText = await huge.text();
  t.ok(hugeText.length < 8_192, `a small problem (${hugeText.length} bytes)`);
  const hugeProblem = JSON.parse(hugeText) as Problem;
  t.ok(hugeProblem.errors.length >= 1 && hugeProblem.errors.length <= 20, `${hugeProblem.errors.length} issues`);
  t.match(hugeProblem.errors[0], { in: 'body', field: /^k\d+$/, message: 'is not a known field' });

  // One unknown key as long as the body allows: the field is shortened, not echoed.
  const longKey = await post({ title: 'a', ['x'.repeat(900_000)]: 1 });
  t.equal(longKey.status, 400, 'one 900 kB key');
  const longText = await longKey.text();
  t.ok(longText.length < 8_192, `a small problem (${longText.length} bytes)`);
  t.match(JSON.parse(longText), { errors: [{ in: 'body', field: /^x+…$/ }] });

  // A small body still lists every offending field, up to the cap.
  const few = (await (await post({ title: 5, completed: 'no', a: 1, b: 2 })).json()) as Problem;
  t.same(few.errors.map((e) => e.field).sort(), ['a', 'b', 'completed', 'title'], 'all four named');
  const many = await post({ title: 'a', ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`u${i}`, i])) });
  const manyProblem = (await many.json()) as Problem;
  t.equal(manyProblem.errors.length, 20, '30 unknown keys: the first 20 listed');
  t.match(manyProblem.detail, /more/, 'the detail says more were left out');
});

t.test('random garbage never produces a 500', async (t) => {
  const junk = [
    null,
    true,
    0,
    -1,
    1e308,
    'x',
    '',
    '\u0000',
    '😀'.repeat(300),
    [],
    {},
    { title: null },
    { title: ['a'] },
    { title: 'ok', order: '1' },
    { title: 'ok', completed: null },
    { order: -2147483648, title: 'min' },
    { __proto__: { title: 'p' } },
  ];
  const paths = [
    '/todo',
    '/todo/1',
    '/todo/-1',
    '/todo/1e3',
    '/todo/%00',
    '/todo/..%2F',
    '/todo?limit=1e9',
    '/todo?completed=',
    '/todo?after=' + 'A'.repeat(200),
    '/todo?limit=5&limit=6',
  ];
  const methods = ['GET', 'POST', 'PATCH', 'DELETE', 'PUT'];
  let n = 0;
  for (const path of paths)
    for (const method of methods)
      for (const json of method === 'GET' || method === 'DELETE' ? [undefined] : junk) {
        const res = await api.request(path, { method, ...(json !== undefined ? { json } : {}) });
        n++;
        if (res.status >= 500) t.fail(`${method} ${path} ${JSON.stringify(json)} -> ${res.status} ${await res.text()}`);
        else await res.arrayBuffer();
      }
  t.pass(`${n} requests, no 5xx`);
});

t.test('openapi.json documents every route with its schemas; docs are served', async (t) => {
  const doc = (await (await api.request('/openapi.json')).json()) as {
    openapi: string;
    paths: Record<string, Record<string, { responses: object; requestBody?: object; parameters: { name: string }[] }>>;
  };
  t.equal(doc.openapi, '3.1.0');
  t.same(Object.keys(doc.paths['/todo']!).sort(), ['delete', 'get', 'post']);
  t.same(Object.keys(doc.paths['/todo/{id}']!).sort(), ['delete', 'get', 'patch']);
  t.ok(doc.paths['/todo']!.post!.requestBody, 'POST body schema');
  t.ok(doc.paths['/todo/{id}']!.get!.parameters.some((p) => p.name === 'id'));
  const docs = await api.request('/docs/');
  t.equal(docs.status, 200);
  t.match(await docs.text(), /swagger-ui/);
  t.equal((await api.request('/healthz')).status, 200);
});
