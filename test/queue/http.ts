// The /queue HTTP API on real PostgreSQL: every route's success and error paths.
import t from 'tap';
import { loadSql, many } from '../../src/lib/core/db.js';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';

const { sql } = await testDb(t);
const api = await testServer(t, sql, { admin: true });
const q = loadSql('queue', ['claim_jobs', 'complete_jobs', 'fail_jobs']);
const body = async <T = any>(res: Response) => (await res.json()) as T;
const post = (path: string, json: unknown) => api.request(path, { method: 'POST', json });

t.test('POST /queue/jobs then GET it', async (t) => {
  const res = await post('/queue/jobs', {
    task: 'email',
    payload: { to: 'a@b.c' },
    priority: 2,
    queue: 'mail',
    maxAttempts: 3,
  });
  t.equal(res.status, 202);
  const { id } = await body(res);
  t.equal(res.headers.get('location'), `/queue/jobs/${id}`);
  const job = await body(await api.request(`/queue/jobs/${id}`));
  t.match(job, {
    id,
    task: 'email',
    queue: 'mail',
    priority: 2,
    maxAttempts: 3,
    attempts: 0,
    state: 'waiting',
    payload: { to: 'a@b.c' },
    lastError: null,
    finishedAt: null,
  });
  const later = await body(
    await post('/queue/jobs', { task: 'x', runAt: new Date(Date.now() + 60_000).toISOString(), key: 'k1' }),
  );
  t.match(await body(await api.request(`/queue/jobs/${later.id}`)), { state: 'scheduled', key: 'k1' });
  const same = await body(await post('/queue/jobs', { task: 'x', key: 'k1', keyMode: 'preserve' }));
  t.equal(same.id, later.id, 'keyMode preserve returns the existing job');
});

t.test('bad input is a 400 problem, unknown ids 404', async (t) => {
  for (const bad of [
    {},
    { task: '' },
    { task: 'x', priority: 1.5 },
    { task: 'x', runAt: 'tomorrow' },
    { task: 'x', maxAttempts: 0 },
    { task: 'x', keyMode: 'other' },
    { task: 'x', extra: 1 },
  ]) {
    const res = await post('/queue/jobs', bad);
    t.equal(res.status, 400, JSON.stringify(bad));
    t.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  }
  t.equal((await api.request('/queue/jobs/abc')).status, 400);
  t.equal((await api.request('/queue/jobs/999999')).status, 404);
  t.equal((await api.request('/queue/jobs/999999/retry', { method: 'POST' })).status, 404);
  t.equal((await api.request('/queue/jobs/999999', { method: 'DELETE' })).status, 404);
});

t.test('cancel and retry, with 409 for a running job', async (t) => {
  const { id } = await body(await post('/queue/jobs', { task: 'c', priority: -100 }));
  const cancelled = await api.request(`/queue/jobs/${id}`, { method: 'DELETE' });
  t.equal(cancelled.status, 200);
  t.equal((await body(cancelled)).state, 'cancelled');
  const again = await api.request(`/queue/jobs/${id}`, { method: 'DELETE' });
  t.equal(again.status, 409);
  t.match(await body(again), { status: 409, errors: [{ field: 'id' }] });
  const retried = await api.request(`/queue/jobs/${id}/retry`, { method: 'POST' });
  t.equal(retried.status, 200);
  t.match(await body(retried), { state: 'waiting', attempts: 0 });
  const [claimed] = await many(sql, q.claim_jobs, ['w', 1, 60, null]);
  t.equal(Number(claimed!.id), id, 'priority -100 first');
  t.equal((await api.request(`/queue/jobs/${id}`, { method: 'DELETE' })).status, 409, 'running: cannot cancel');
  t.equal((await api.request(`/queue/jobs/${id}/retry`, { method: 'POST' })).status, 409, 'running: cannot retry');
  await many(sql, q.fail_jobs, [[id], ['boom'], 'w', 1, 60, [1]]);
  t.match(await body(await api.request(`/queue/jobs/${id}`)), { state: 'scheduled', lastError: 'boom', attempts: 1 });
});

t.test('retry of a job whose key was taken is a 409 naming the key', async (t) => {
  const { id } = await body(await post('/queue/jobs', { task: 'k', key: 'dup' }));
  await api.request(`/queue/jobs/${id}`, { method: 'DELETE' });
  await post('/queue/jobs', { task: 'k', key: 'dup' });
  const res = await api.request(`/queue/jobs/${id}/retry`, { method: 'POST' });
  t.equal(res.status, 409);
  t.match(await body(res), { constraint: 'jobs_key_key', errors: [{ field: 'key' }] });
});

t.test('GET /queue/stats', async (t) => {
  const rows = await body<{ queue: string; state: string; count: number; oldestWaitingSeconds: number | null }[]>(
    await api.request('/queue/stats'),
  );
  t.ok(rows.length > 0);
  t.ok(rows.every((r) => typeof r.count === 'number'));
  t.ok(rows.some((r) => r.state === 'waiting' && typeof r.oldestWaitingSeconds === 'number'));
  t.equal((await api.request('/queue/stats?windowSeconds=0')).status, 400);
  t.equal((await api.request('/queue/stats?windowSeconds=60')).status, 200);
});

t.test('schedules: create, list, delete, errors', async (t) => {
  const res = await post('/queue/schedules', {
    name: 'nightly',
    cron: '0 3 * * *',
    task: 'report',
    payload: { full: true },
  });
  t.equal(res.status, 201);
  t.match(await body(res), {
    name: 'nightly',
    cron: '0 3 * * *',
    task: 'report',
    queue: 'default',
    priority: 0,
    maxAttempts: 25,
    payload: { full: true },
  });
  t.equal(res.headers.get('location'), '/queue/schedules/nightly');
  const dup = await post('/queue/schedules', { name: 'nightly', cron: '0 4 * * *', task: 'report' });
  t.equal(dup.status, 409);
  t.match(await body(dup), { constraint: 'schedules_pkey', errors: [{ field: 'name' }] });
  const bad = await post('/queue/schedules', { name: 'bad', cron: '99 * * * *', task: 'x' });
  t.equal(bad.status, 422);
  t.match(await body(bad), { errors: [{ field: 'cron' }] });
  t.equal((await post('/queue/schedules', { name: 'x', task: 'x' })).status, 400);
  t.same(
    (await body<{ name: string }[]>(await api.request('/queue/schedules'))).map((s) => s.name),
    ['nightly'],
  );
  // A capped, keyset-paged list: limit, then the Link header's cursor.
  t.equal((await post('/queue/schedules', { name: 'weekly', cron: '0 3 * * 1', task: 'report' })).status, 201);
  const first = await api.request('/queue/schedules?limit=1');
  t.same(
    (await body<{ name: string }[]>(first)).map((s) => s.name),
    ['nightly'],
  );
  const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
  t.ok(next, 'a Link to the next page');
  const second = await api.request(new URL(next!).pathname + new URL(next!).search);
  t.same(
    (await body<{ name: string }[]>(second)).map((s) => s.name),
    ['weekly'],
  );
  t.equal(second.headers.get('link'), null, 'the last page');
  t.equal((await api.request('/queue/schedules?limit=1001')).status, 400, 'over the cap');
  t.equal((await api.request('/queue/schedules?after=garbage')).status, 400, 'a cursor it did not issue');
  t.equal((await api.request('/queue/schedules/weekly', { method: 'DELETE' })).status, 204);
  t.equal((await api.request('/queue/schedules/nightly', { method: 'DELETE' })).status, 204);
  t.equal((await api.request('/queue/schedules/nightly', { method: 'DELETE' })).status, 404);
});

t.test('the routes are in /openapi.json', async (t) => {
  const doc = await body(await api.request('/openapi.json'));
  for (const p of [
    '/queue/jobs',
    '/queue/jobs/{id}',
    '/queue/jobs/{id}/retry',
    '/queue/stats',
    '/queue/schedules',
    '/queue/schedules/{name}',
  ]) {
    t.ok(doc.paths[p], p);
  }
});

t.test('every /queue route refuses a missing or wrong admin token with 401 Bearer', async (t) => {
  const anon = await testServer(t, sql);
  const { id } = await body(await post('/queue/jobs', { task: 'guarded' }));
  await post('/queue/schedules', { name: 'guarded', cron: '0 4 * * *', task: 'report' });
  const routes: [string, string, unknown?][] = [
    ['POST', '/queue/jobs', { task: 'evil' }],
    ['GET', `/queue/jobs/${id}`],
    ['POST', `/queue/jobs/${id}/retry`],
    ['DELETE', `/queue/jobs/${id}`],
    ['GET', '/queue/stats'],
    ['POST', '/queue/schedules', { name: 'evil', cron: '* * * * *', task: 'evil' }],
    ['GET', '/queue/schedules'],
    ['DELETE', '/queue/schedules/guarded'],
  ];
  for (const [method, path, json] of routes) {
    for (const auth of [undefined, 'Bearer wrong', `Bearer ${'x'.repeat(5000)}`]) {
      const res = await anon.request(path, { method, json, headers: auth ? { authorization: auth } : {} });
      t.equal(res.status, 401, `${method} ${path} with ${auth ? auth.slice(0, 12) : 'no token'}`);
      t.match(res.headers.get('www-authenticate'), /^Bearer/);
    }
  }
  const [n] = await sql`select count(*)::int as n from queue.jobs where task = 'evil'`;
  t.equal(n!.n, 0);
  t.match(await body(await api.request(`/queue/jobs/${id}`)), { state: 'waiting' });
  t.equal((await api.request('/queue/schedules/guarded', { method: 'DELETE' })).status, 204);
});
