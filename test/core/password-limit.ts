// Password hashing is bounded: at most `concurrency` scrypt runs at once, at most `queue` waiting,
// and beyond that Overloaded -> 503 with Retry-After, so a login flood cannot take every thread of
// libuv's pool (which file reads and DNS lookups share) nor grow an unbounded backlog. The test
// holds the one hashing slot itself, so which requests wait and which are refused is decided by
// the limiter's state, never by how fast the machine hashes.
import os from 'node:os';
import t from 'tap';
import { countSetting } from '../../src/lib/core/database.js';
import {
  defaultHashingLimits,
  hashingLoad,
  Overloaded,
  setHashingLimits,
  verifyPassword,
  withHashingSlot,
} from '../../src/lib/core/password.js';
import { toProblem } from '../../src/http/core/problem.js';
import { client, register } from '../helpers/blog.js';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';

/** Resolves once `ready()` holds, checked after each turn of the event loop (no clock involved). */
async function until(ready: () => boolean) {
  while (!ready()) await new Promise((resolve) => setImmediate(resolve));
}

t.test('the defaults leave a thread of libuv pool free and queue a bounded backlog', async (t) => {
  const d = defaultHashingLimits();
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  t.equal(d.concurrency, Math.max(1, Math.min(os.availableParallelism(), pool - 1)));
  t.ok(d.queue >= d.concurrency);
  t.equal(countSetting({ PGGRIND_HASH_QUEUE: '7' }, 'PGGRIND_HASH_QUEUE', 64, 0), 7);
  t.equal(countSetting({}, 'PGGRIND_HASH_QUEUE', 64, 0), 64);
  t.throws(() => countSetting({ PGGRIND_HASH_CONCURRENCY: '0' }, 'PGGRIND_HASH_CONCURRENCY', 2, 1), /at least 1/);
  t.throws(() => countSetting({ PGGRIND_HASH_QUEUE: 'many' }, 'PGGRIND_HASH_QUEUE', 64, 0), /PGGRIND_HASH_QUEUE/);
});

t.test('a login flood against one hashing slot: some wait, the rest get 503, other routes are served', async (t) => {
  const { sql } = await testDb(t);
  const s = await testServer(t, sql);
  const c = client(s);
  const users = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay'];
  for (const u of users) await register(c, u);
  const restore = setHashingLimits({ concurrency: 1, queue: 2 });
  t.teardown(() => void setHashingLimits(restore));

  // Occupy the only slot until the test says so.
  let release!: () => void;
  const held = withHashingSlot(() => new Promise<void>((resolve) => (release = resolve)));
  await until(() => hashingLoad().active === 1);

  const settled = new Set<string>();
  const logins = users.map((u) =>
    s
      .request('/blog/api/users/login', {
        method: 'POST',
        json: { user: { email: `${u}@example.com`, password: 'password1' } },
      })
      .then(async (res) => {
        settled.add(u);
        return { user: u, status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
      }),
  );
  // Two wait for the slot; the other four are refused at once, while the slot is still held.
  await until(() => hashingLoad().waiting === 2 && settled.size === 4);
  const refused = (await Promise.all(logins.filter((_, i) => settled.has(users[i]!)))).map((r) => r);
  t.equal(refused.length, 4);
  for (const r of refused) {
    t.equal(r.status, 503, `${r.user} refused`);
    t.equal(r.retryAfter, '1', 'with Retry-After');
    t.match(r.body, { errors: { server: [String] } }, "in RealWorld's error shape");
  }

  // A cheap request is served while two logins wait for hashing: it needs no slot.
  const todo = await s.request('/todo');
  t.equal(todo.status, 200);
  t.equal(settled.size, 4, 'served before either waiting login was answered');
  t.same(hashingLoad(), { active: 1, waiting: 2 });

  // Logging in with an unknown e-mail spends a dummy verification: refused too while full...
  const unknown = await s.request('/blog/api/users/login', {
    method: 'POST',
    json: { user: { email: 'nobody@example.com', password: 'password1' } },
  });
  t.equal(unknown.status, 503);

  release();
  await held;
  const waited = (await Promise.all(logins)).filter((r) => r.status !== 503);
  t.equal(waited.length, 2, 'the two that waited');
  for (const r of waited) t.equal(r.status, 200, `${r.user} logged in after waiting`);
  t.same(hashingLoad(), { active: 0, waiting: 0 });

  // ...and once there is room again it is the usual 401, not a remembered refusal.
  const again = await s.request('/blog/api/users/login', {
    method: 'POST',
    json: { user: { email: 'nobody@example.com', password: 'password1' } },
  });
  t.equal(again.status, 401);
});

t.test('the library error: Overloaded, and the slot is released when hashing throws', async (t) => {
  const restore = setHashingLimits({ concurrency: 1, queue: 0 });
  t.teardown(() => void setHashingLimits(restore));
  let release!: () => void;
  const held = withHashingSlot(() => new Promise<void>((resolve) => (release = resolve)));
  await t.rejects(
    verifyPassword('pw', '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5'),
    Overloaded,
  );
  release();
  await held;
  await t.rejects(
    withHashingSlot(() => Promise.reject(new Error('boom'))),
    /boom/,
  );
  t.same(hashingLoad(), { active: 0, waiting: 0 });
  // Elsewhere than blog, the app's problem details.
  t.match(toProblem(new Overloaded('password hashing')), {
    status: 503,
    problem: { status: 503, title: 'Overloaded' },
    headers: { 'retry-after': '1' },
  });
});
