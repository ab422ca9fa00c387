// The whole app's edges on real PostgreSQL: headers every response carries (API, errors, 404,
// /docs, /openapi.json, /healthz), malformed percent-encoding in any project's path, and absolute
// URLs that never come from the request's Host header.
import http from 'node:http';
import t from 'tap';
import { createApp } from '../../src/http/core/app.js';
import { testDb } from '../helpers/db.js';
import { serve, testServer } from '../helpers/http.js';

const { sql } = await testDb(t);
const api = await testServer(t, sql);

/** A request with headers fetch() refuses to send (Host). */
function raw(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request(new URL(path, base), { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

t.test('nosniff and a frame policy on every response', async (t) => {
  const cases: [string, RequestInit & { json?: unknown }, number][] = [
    ['/todo', {}, 200],
    ['/todo', { method: 'POST', json: { title: 'headers' } }, 201],
    ['/todo', { method: 'POST', json: {} }, 400],
    ['/todo', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } }, 400],
    ['/todo/999999', {}, 404],
    ['/todo/%E0%A4%A', {}, 400],
    ['/todo', { method: 'OPTIONS', headers: { origin: 'http://x.test', 'access-control-request-method': 'GET' } }, 204],
    ['/nowhere', {}, 404],
    ['/blog/api/nowhere', {}, 404],
    ['/blog/api/user', {}, 401],
    ['/docs/', {}, 200],
    ['/docs/swagger-ui.css', {}, 200],
    ['/docs/swagger-ui-init.js', {}, 200],
    ['/openapi.json', {}, 200],
    ['/healthz', {}, 200],
  ];
  for (const [path, init, status] of cases) {
    const res = await api.request(path, init);
    const label = `${init.method ?? 'GET'} ${path}`;
    t.equal(res.status, status, label);
    t.equal(res.headers.get('x-content-type-options'), 'nosniff', `${label}: nosniff`);
    t.equal(res.headers.get('x-frame-options'), 'DENY', `${label}: X-Frame-Options`);
    t.match(res.headers.get('content-security-policy'), /frame-ancestors 'none'/, `${label}: frame-ancestors`);
    await res.arrayBuffer();
  }
  const root = await api.request('/', { redirect: 'manual' });
  t.equal(root.status, 302);
  t.equal(root.headers.get('x-content-type-options'), 'nosniff', 'the / redirect too');
});

t.test('malformed percent-encoding in a path is a 400 in every project, never a 500', async (t) => {
  const problems = [
    ['GET', '/todo/%E0%A4%A'],
    ['PATCH', '/todo/%E0%A4%A'],
    ['DELETE', '/todo/%ZZ'],
    ['GET', '/booking/resources/%E0%A4%A'],
    ['GET', '/booking/customers/%C0%AF/bookings'],
    ['GET', '/saas/orgs/%E0%A4%A/members'],
    ['GET', '/queue/jobs/%E0%A4%A'],
    ['DELETE', '/queue/schedules/%FF'],
  ];
  for (const [method, path] of problems) {
    const res = await api.request(path!, method === 'PATCH' ? { method, json: { completed: true } } : { method });
    t.equal(res.status, 400, `${method} ${path}`);
    t.match(res.headers.get('content-type'), /^application\/problem\+json/, `${method} ${path}: problem+json`);
    t.match(
      await res.json(),
      { status: 400, title: 'Malformed URL', errors: [{ in: 'path', field: '(path)' }] },
      `${method} ${path}: names the path`,
    );
  }
  // RealWorld has no 400: its invalid input is a 422 in its own shape.
  for (const path of ['/blog/api/articles/%E0%A4%A', '/blog/api/profiles/%E0%A4%A/follow']) {
    const res = await api.request(path, { method: path.endsWith('follow') ? 'POST' : 'GET' });
    t.equal(res.status, 422, path);
    t.match(res.headers.get('content-type'), /^application\/json/, `${path}: the RealWorld shape`);
    t.match(await res.json(), { errors: { '(path)': [/percent-encoding/] } }, path);
  }
  // Nothing decodes these paths (the app's 404; the Swagger UI answers every path under /docs).
  for (const path of ['/%E0%A4%A', '/docs/%E0%A4%A']) {
    const res = await api.request(path);
    t.ok(res.status < 500, `${path}: ${res.status}, never a 5xx`);
    await res.arrayBuffer();
  }
});

t.test('absolute URLs come from the bound address, never from the Host header', async (t) => {
  const created = await raw(api.base, '/todo', {
    method: 'POST',
    headers: { host: 'evil.example', 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'hosted' }),
  });
  t.equal(created.status, 201);
  const todo = JSON.parse(created.body) as { id: number; url: string };
  t.equal(todo.url, `${api.base}/todo/${todo.id}`, 'url: the address the server listens on');
  t.equal(created.headers.location, todo.url, 'Location too');
  await api.request('/todo', { method: 'POST', json: { title: 'second' } });
  const page = await raw(api.base, '/todo?limit=1', { headers: { host: 'evil.example' } });
  t.equal(page.status, 200);
  t.match(page.headers.link, new RegExp(`^<${api.base}/todo\\?limit=1&after=[^>]+>; rel="next"$`), 'Link: next too');
});

t.test('PUBLIC_URL (publicUrl): every absolute URL starts with it', async (t) => {
  const app = createApp({ sql, publicUrl: 'https://api.example.com/' });
  const s = await serve(t, app);
  const created = await raw(s.base, '/todo', {
    method: 'POST',
    headers: { host: 'evil.example', 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'public' }),
  });
  const todo = JSON.parse(created.body) as { id: number; url: string };
  t.equal(todo.url, `https://api.example.com/todo/${todo.id}`);
  t.equal(created.headers.location, todo.url);
  const page = await raw(s.base, '/todo?limit=1&completed=false', { headers: { host: 'evil.example' } });
  t.match(page.headers.link, /^<https:\/\/api\.example\.com\/todo\?limit=1&completed=false&after=[^>]+>; rel="next"$/);

  const prefixed = await serve(t, createApp({ sql, publicUrl: 'https://example.com/pg' }));
  const one = (await (await prefixed.request('/todo?limit=1')).json()) as { url: string }[];
  t.match(one[0]!.url, /^https:\/\/example\.com\/pg\/todo\/\d+$/, 'a path prefix is kept (a proxy that strips it)');

  for (const bad of ['api.example.com', 'ftp://example.com', 'https://example.com/?x=1', 'https://u:p@example.com']) {
    t.throws(() => createApp({ sql, publicUrl: bad }), /PUBLIC_URL/, `refused: ${bad}`);
  }
});
