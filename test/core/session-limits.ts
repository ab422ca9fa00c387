// Bounded work per request on the database side: the server's pool sets statement_timeout and
// idle_in_transaction_session_timeout (connect() options, from PGGRIND_STATEMENT_TIMEOUT and
// PGGRIND_IDLE_IN_TRANSACTION_TIMEOUT), so a statement stuck behind a lock becomes a 503 with
// Retry-After, and a session left idle inside a transaction is ended by PostgreSQL itself.
import { spawn } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../src/lib/core/paths.js';
import { connect, transaction } from '../../src/lib/core/db.js';
import { sessionLimits } from '../../src/lib/core/database.js';
import { ConnectionLost, StatementTimeout } from '../../src/lib/core/errors.js';
import { createTodo, listTodos } from '../../src/lib/todo/index.js';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';

t.test('the settings: defaults, milliseconds, 0 to leave the server default, bad values refused', async (t) => {
  t.same(sessionLimits({}), { statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 10_000 });
  t.same(sessionLimits({ PGGRIND_STATEMENT_TIMEOUT: '250', PGGRIND_IDLE_IN_TRANSACTION_TIMEOUT: '0' }), {
    statementTimeoutMs: 250,
    idleInTransactionTimeoutMs: 0,
  });
  for (const bad of ['-1', '1.5', '30s', 'abc', '9999999999999']) {
    t.throws(() => sessionLimits({ PGGRIND_STATEMENT_TIMEOUT: bad }), /PGGRIND_STATEMENT_TIMEOUT/, bad);
    t.throws(
      () => sessionLimits({ PGGRIND_IDLE_IN_TRANSACTION_TIMEOUT: bad }),
      /PGGRIND_IDLE_IN_TRANSACTION_TIMEOUT/,
      bad,
    );
  }
});

t.test('npm start with a bad limit: exit 1 with one line naming the variable, before any database work', async (t) => {
  const child = spawn(process.execPath, [path.join(packageRoot, 'dist', 'http', 'core', 'server.js')], {
    // An unreachable database: reaching it would fail differently (and later).
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      PGGRIND_STATEMENT_TIMEOUT: '30s',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  t.equal(await new Promise((resolve) => child.on('exit', resolve)), 1);
  t.match(err.trimEnd().split('\n'), [/^pg-grind: PGGRIND_STATEMENT_TIMEOUT must be a whole number of milliseconds/]);
  t.equal(err.trimEnd().split('\n').length, 1, err);
});

t.test('a statement over statement_timeout fails as StatementTimeout, and the route answers 503', async (t) => {
  const { sql, url } = await testDb(t);
  const pool = connect(url, { max: 2, statementTimeoutMs: 200, applicationName: 'pg-grind-limited' });
  t.teardown(() => pool.end({ timeout: 1 }));
  const { request } = await testServer(t, pool);
  const { timeout } = (await pool`select current_setting('statement_timeout') as timeout`)[0]!;
  t.equal(timeout, '200ms', 'set on the session at connect');

  // The lock holder is another session, outside the limited pool: the todo list waits on its lock
  // until statement_timeout cancels it (PostgreSQL decides when, the test never waits on a clock).
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const lockHeld = new Promise<void>((resolve) => (locked = resolve));
  const holder = sql.begin(async (tx) => {
    await tx`lock table todo.todos in access exclusive mode`;
    locked();
    await released;
  });
  await lockHeld;

  const err = await listTodos(pool).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(err, StatementTimeout);
  t.match(err, { code: '57014', statement: 'todo/list_todos' });

  const res = await request('/todo');
  t.equal(res.status, 503);
  t.equal(res.headers.get('retry-after'), '5');
  t.match(await res.json(), { status: 503, title: 'Database unavailable' });

  release();
  await holder;
  t.equal((await request('/todo')).status, 200, 'the same pool serves again once the lock is gone');
});

t.test('a session idle in a transaction is ended by the server', async (t) => {
  const { sql, url } = await testDb(t);
  const pool = connect(url, { max: 1, idleInTransactionTimeoutMs: 200, applicationName: 'pg-grind-idle' });
  t.teardown(() => pool.end({ timeout: 1 }));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let began!: (pid: number) => void;
  const backend = new Promise<number>((resolve) => (began = resolve));
  let late!: (outcome: unknown) => void;
  const lateWrite = new Promise<unknown>((resolve) => (late = resolve));
  // A transaction whose code stops issuing statements (a handler stuck on something outside the
  // database), then wakes up and writes. Its outcome is taken at once: it fails as soon as the
  // server closes the session.
  const abandoned = transaction(pool, async (tx) => {
    began((await tx`select pg_backend_pid() as pid`)[0]!.pid);
    await released;
    late(await createTodo(tx, { title: 'written after its session ended' }).catch((e: unknown) => e));
  }).then(
    () => 'committed',
    (e: unknown) => e,
  );
  const pid = await backend;
  // Poll the catalogue from another session until the backend is gone.
  for (;;) {
    const { n } = (await sql`select count(*)::int as n from pg_stat_activity where pid = ${pid}`)[0]!;
    if (n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.type(await abandoned, ConnectionLost, 'the abandoned transaction is gone with its session: a 503');
  // The pool reconnects meanwhile; the stale transaction's late write must not run on that new
  // session (outside any transaction), nor crash the process writing to the closed socket.
  const { one } = (await pool`select 1 as one`)[0]!;
  t.equal(one, 1, 'the pool reconnects');
  release();
  t.match(await lateWrite, { constructor: ConnectionLost, statement: 'todo/create_todo' });
  t.equal((await listTodos(pool)).items.length, 0, 'nothing was written');
});
