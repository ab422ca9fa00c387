// `npm start` as a process: with DATABASE_URL; with the embedded PostgreSQL (cold start, reuse of a
// server orphaned by SIGKILL, stop on SIGTERM); graceful shutdown finishing an in-flight request.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import t from 'tap';
import { withDatabase } from '../../src/lib/core/migrate.js';
import { packageRoot } from '../../src/lib/core/paths.js';
import { addJob } from '../../src/lib/queue/index.js';
import { OWNER_ROLE, provisionDatabase, REQUEST_ROLE, withUser } from '../../src/lib/core/roles.js';
import { rolePasswords, serverUrl, testDb } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';

const passwords = rolePasswords();
// Real server and PostgreSQL processes (initdb included) on 2 shared cores.
t.setTimeout(300_000);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

interface Proc {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

async function start(env: Record<string, string | undefined>, as: { uid?: number; gid?: number } = {}): Promise<Proc> {
  const port = await freePort();
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(port),
    LOG_LEVEL: 'info',
    NODE_OPTIONS: '',
    ...env,
  };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  const child = spawn(process.execPath, [path.join(packageRoot, 'dist', 'http', 'core', 'server.js')], {
    env: childEnv as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...as,
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${out}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, port, output: () => out, exited };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server not healthy after 30 s:\n${out}`);
}

t.test('with DATABASE_URL: serves it; SIGTERM finishes the in-flight request, then exits 0', async (t) => {
  const { url } = await testDb(t);
  const s = await start({ DATABASE_URL: url });
  t.match(s.output(), /"embedded":false/);
  const payload = JSON.stringify({ title: 'in flight during shutdown' });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: s.port,
        path: '/todo',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    req.write(payload.slice(0, 10)); // half a request: the server has it in flight
    setTimeout(() => {
      s.child.kill('SIGTERM');
      setTimeout(() => req.end(payload.slice(10)), 300);
    }, 200);
  });
  const res = await response;
  t.equal(res.status, 201, 'the in-flight request completed after SIGTERM');
  t.match(JSON.parse(res.body), { title: 'in flight during shutdown' });
  t.equal(await s.exited, 0, 'clean exit');
  t.match(s.output(), /shutting down[\s\S]*stopped/);
  const refused = await fetch(`http://127.0.0.1:${s.port}/healthz`).then(
    () => false,
    () => true,
  );
  t.ok(refused, 'no longer listening');
});

t.test('embedded PostgreSQL: cold start, orphan reuse after SIGKILL, stopped by SIGTERM', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pggrind-embedded-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const pgPort = String(await freePort());
  const env = { DATABASE_URL: undefined, PGGRIND_DATA_DIR: dataDir, PGGRIND_EMBEDDED_PORT: pgPort };
  const pidFile = path.join(dataDir, 'pg18', 'postmaster.pid');

  // Something else already listens on the configured port: the cluster must pick a free one.
  const blocker = net.createServer().listen(Number(pgPort), '127.0.0.1');
  t.teardown(() => {
    blocker.close();
  });
  const first = await start(env);
  t.match(first.output(), /initialising an embedded PostgreSQL cluster/);
  t.match(first.output(), new RegExp(`port ${pgPort} is taken`), 'a taken port is not fatal');
  t.match(first.output(), /"embedded":true/);
  const created = await fetch(`http://127.0.0.1:${first.port}/todo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"title":"survives a crash"}',
  });
  t.equal(created.status, 201);

  // Least privilege: scram passwords generated at first start, kept 0600 beside the cluster; no
  // password, no session; the server's requests run as pggrind_app, which owns nothing.
  const credsFile = path.join(dataDir, 'pg18', 'pg-grind-credentials.json');
  t.equal(statSync(credsFile).mode & 0o777, 0o600, 'the credentials file is private to its owner');
  const creds = JSON.parse(readFileSync(credsFile, 'utf8')) as { superuser: string; owner: string; request: string };
  const usedPg = Number(readFileSync(pidFile, 'utf8').split('\n')[3]);
  const noPassword = postgres(`postgres://postgres@127.0.0.1:${usedPg}/pggrind`, { max: 1, onnotice: () => {} });
  await t.rejects(noPassword`select 1`, { code: '28P01' }, 'no password: refused (no trust)');
  await noPassword.end();
  const wrong = postgres(`postgres://postgres:guess@127.0.0.1:${usedPg}/pggrind`, { max: 1, onnotice: () => {} });
  await t.rejects(wrong`select 1`, { code: '28P01' }, 'a wrong password: refused');
  await wrong.end();
  const su = postgres(`postgres://postgres:${encodeURIComponent(creds.superuser)}@127.0.0.1:${usedPg}/pggrind`, {
    max: 1,
    onnotice: () => {},
  });
  t.same(
    await su`select distinct usename from pg_stat_activity where application_name = 'pg-grind-http'`,
    [{ usename: 'pggrind_app' }],
    'the request pool connects as pggrind_app',
  );
  t.same(
    await su`select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = 'pggrind_app'`,
    [{ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false }],
  );
  t.same(
    await su`select distinct pg_get_userbyid(relowner) as owner from pg_class c join pg_namespace n on n.oid = relnamespace
              where nspname in ('todo', 'booking', 'blog', 'queue') and relkind in ('r', 'p', 'S')`,
    [{ owner: 'pggrind_owner' }],
    'the owner role owns every table and sequence',
  );
  t.same(await su`show listen_addresses`, [{ listen_addresses: '127.0.0.1' }]);
  await su.end();
  first.child.kill('SIGKILL');
  await first.exited;
  t.ok(existsSync(pidFile), 'PostgreSQL outlives the killed server');
  const pgPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  t.doesNotThrow(() => process.kill(pgPid, 0), 'and is still running');

  const second = await start(env);
  t.match(second.output(), /reusing the embedded PostgreSQL already running/);
  const list = (await (await fetch(`http://127.0.0.1:${second.port}/todo`)).json()) as { title: string }[];
  t.same(
    list.map((x) => x.title),
    ['survives a crash'],
    'same data',
  );
  second.child.kill('SIGTERM');
  t.equal(await second.exited, 0);
  t.notOk(existsSync(pidFile), 'PostgreSQL stopped with the server');
  // (Not kill(pid, 0): in a container without an init that reaps, the exited postmaster may linger as a zombie.)
  const usedPort = Number(
    readFileSync(path.join(dataDir, 'pg18', 'server.log'), 'utf8').match(
      /listening on IPv4 address "127\.0\.0\.1", port (\d+)/,
    )?.[1],
  );
  const pgAnswers = await new Promise<boolean>((resolve) => {
    const c = net
      .connect(usedPort, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      })
      .on('error', () => resolve(false));
  });
  t.notOk(pgAnswers, 'nothing listens on the embedded port any more');
});

t.test(
  'embedded PostgreSQL as a normal (non-root) user',
  { skip: process.getuid?.() !== 0 && 'already not root: the test above ran as a normal user' },
  async (t) => {
    const uid = Number(execFileSync('id', ['-u', 'nobody']).toString());
    const gid = Number(execFileSync('id', ['-g', 'nobody']).toString());
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pggrind-nobody-'));
    chownSync(dataDir, uid, gid);
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
    const s = await start(
      {
        DATABASE_URL: undefined,
        PGGRIND_DATA_DIR: dataDir,
        PGGRIND_EMBEDDED_PORT: String(await freePort()),
        HOME: dataDir,
      },
      { uid, gid },
    );
    t.match(s.output(), /"embedded":true/);
    t.notMatch(s.output(), /creating OS user|search bit/, 'no root-only steps');
    t.equal((await fetch(`http://127.0.0.1:${s.port}/todo`)).status, 200);
    s.child.kill('SIGTERM');
    t.equal(await s.exited, 0);
    t.notOk(existsSync(path.join(dataDir, 'pg18', 'postmaster.pid')), 'stopped');
  },
);

/** Runs `script` (a dist/ file) with `env` added to ours, collecting stdout and stderr apart. */
function spawnScript(script: string, args: string[], env: Record<string, string | undefined>) {
  const childEnv: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: '', ...env };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  const child = spawn(process.execPath, [path.join(packageRoot, 'dist', ...script.split('/')), ...args], {
    env: childEnv as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Resolves when stdout has matched `re`; rejects when the process exits first. */
  const printed = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const look = () => {
        if (re.test(out)) {
          child.stdout!.off('data', look);
          resolve();
        }
      };
      child.stdout!.on('data', look);
      look();
      void exited.then((code) =>
        reject(new Error(`${script} exited with ${code} before printing ${re}:\n${out}${err}`)),
      );
    });
  return { child, exited, printed, stdout: () => out, stderr: () => err };
}

t.test('a taken HTTP port: exit 1 with one line on stderr that names the port', async (t) => {
  const { url } = await testDb(t);
  const blocker = net.createServer();
  const port = await new Promise<number>((resolve) =>
    blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)),
  );
  t.teardown(() => {
    blocker.close();
  });
  const s = spawnScript('http/core/server.js', [], { DATABASE_URL: url, PORT: String(port), LOG_LEVEL: 'silent' });
  t.equal(await s.exited, 1, 'exit 1');
  const lines = s.stderr().trimEnd().split('\n');
  t.equal(lines.length, 1, `one line: ${s.stderr()}`);
  t.match(lines[0], String(port), 'naming the port');
  t.notMatch(s.stderr(), /\s+at /, 'no stack trace');
});

t.test('PUBLIC_URL: absolute URLs start with it; a malformed one exits 1 with one line', async (t) => {
  const { url } = await testDb(t);
  const s = await start({ DATABASE_URL: url, PUBLIC_URL: 'https://api.example.com/' });
  t.teardown(() => {
    s.child.kill('SIGKILL');
  });
  const res = await fetch(`http://127.0.0.1:${s.port}/todo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'public' }),
  });
  const todo = (await res.json()) as { id: number; url: string };
  t.equal(todo.url, `https://api.example.com/todo/${todo.id}`);
  t.equal(res.headers.get('location'), todo.url);
  s.child.kill('SIGTERM');
  t.equal(await s.exited, 0);

  const port = await freePort();
  const bad = spawnScript('http/core/server.js', [], {
    DATABASE_URL: url,
    PORT: String(port),
    PUBLIC_URL: 'api.example.com',
    LOG_LEVEL: 'info',
  });
  // A server that accepted it would listen and never exit by itself.
  const outcome = await Promise.race([
    bad.exited,
    bad.printed(/pg-grind listening/).then(
      () => 'listening',
      () => 'exited',
    ),
  ]);
  if (outcome === 'listening') bad.child.kill('SIGTERM');
  t.equal(await bad.exited, 1, `exit 1 (${outcome === 'listening' ? 'it served' : 'refused'})`);
  const lines = bad.stderr().trimEnd().split('\n');
  t.equal(lines.length, 1, `one line: ${bad.stderr()}`);
  t.match(lines[0], /PUBLIC_URL/, 'naming the setting');
});

t.test('a role too powerful for requests, or a database not migrated: exit 1 with one line', async (t) => {
  const quiet = (url: string) => ({ DATABASE_URL: url, ADMIN_TOKEN: 'x'.repeat(32), LOG_LEVEL: 'silent', PORT: '0' });
  const { superUrl, ownerUrl } = await testDb(t);
  for (const [url, reason] of [
    [superUrl, /connects as \w+, but it is a superuser, which row-level security does not apply to/],
    [ownerUrl, /connects as pggrind_owner, but it owns .*the schemas/],
  ] as const) {
    const s = spawnScript('http/core/server.js', [], quiet(url));
    t.equal(await s.exited, 1);
    t.match(s.stderr(), reason);
    t.equal(s.stderr().trim().split('\n').length, 1, 'one line, no stack');
  }
  const name = `pggrind_t_${process.env[testEnv.runner]}_${process.pid}_empty`;
  await provisionDatabase(serverUrl(), name);
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  t.teardown(async () => {
    await admin`drop database if exists ${admin(name)} with (force)`;
    await admin.end();
  });
  const empty = withUser(withDatabase(serverUrl(), name), REQUEST_ROLE, passwords.request);
  const s = spawnScript('http/core/server.js', [], quiet(empty));
  t.equal(await s.exited, 1);
  t.match(s.stderr(), /lacks \d+ migration\(s\) \(000001-todo-todos-table\.sql\.\.\.\): set MIGRATION_DATABASE_URL/);
});

t.test('two servers started at once on a fresh database both come up; migrations applied once', async (t) => {
  const name = `pggrind_t_${process.env[testEnv.runner]}_${process.pid}_fresh`;
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  t.teardown(async () => {
    await admin`drop database if exists ${admin(name)} with (force)`;
    await admin.end();
  });
  // The DBA's part (README, "Roles"): the database exists, owned by the owner role. Both servers
  // migrate it as the owner (MIGRATION_DATABASE_URL) and serve as the request role (DATABASE_URL).
  await provisionDatabase(serverUrl(), name);
  const url = withDatabase(serverUrl(), name);
  const env = {
    MIGRATION_DATABASE_URL: withUser(url, OWNER_ROLE, passwords.owner),
    DATABASE_URL: withUser(url, REQUEST_ROLE, passwords.request),
  };
  const [a, b] = await Promise.all([start(env), start(env)]);
  for (const s of [a!, b!])
    t.equal((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status, 200, `server on ${s.port} healthy`);
  const db = postgres(url, { max: 1, onnotice: () => {} });
  t.teardown(() => db.end());
  const applied = await db<{ filename: string }[]>`select filename from graphile_migrate.migrations order by filename`;
  const committed = readdirSync(path.join(packageRoot, 'migrations', 'committed'));
  t.same(
    applied.map((r) => r.filename),
    committed.map((f) => `${f.split('-')[0]}.sql`),
    'each committed migration recorded once',
  );
  a!.child.kill('SIGTERM');
  b!.child.kill('SIGTERM');
  t.same(await Promise.all([a!.exited, b!.exited]), [0, 0]);
});

t.test('embedded PostgreSQL shared by a server and a worker: the last one to stop stops it', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pggrind-shared-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATABASE_URL: undefined, PGGRIND_DATA_DIR: dataDir, PGGRIND_EMBEDDED_PORT: String(await freePort()) };
  const pidFile = path.join(dataDir, 'pg18', 'postmaster.pid');
  const tasks = path.join(dataDir, 'tasks.mjs');
  writeFileSync(tasks, 'export async function hello() {}\n');
  const worker = async () => {
    const w = spawnScript('cli/worker.js', ['--tasks', tasks, '--no-schedules', '--poll-interval', '100'], {
      ...env,
      LOG_LEVEL: 'info',
    });
    t.teardown(() => {
      w.child.kill('SIGKILL');
    });
    await w.printed(/queue worker started/);
    return w;
  };

  // The server starts the cluster; a worker beside it stops first.
  const server = await start(env);
  t.match(server.output(), /embedded PostgreSQL started/);
  const w1 = await worker();
  t.match(w1.stdout(), /reusing the embedded PostgreSQL already running/);
  w1.child.kill('SIGTERM');
  t.equal(await w1.exited, 0, 'the worker stopped cleanly');
  t.equal((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status, 200, 'the server still has its database');
  t.ok(existsSync(pidFile), 'PostgreSQL still running');

  // Now the server stops first: the worker keeps its database, and stops it when it goes.
  const w2 = await worker();
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0);
  t.ok(existsSync(pidFile), 'PostgreSQL still running for the worker');
  const pgPort = Number(readFileSync(pidFile, 'utf8').split('\n')[3]);
  const creds = JSON.parse(readFileSync(path.join(dataDir, 'pg18', 'pg-grind-credentials.json'), 'utf8'));
  const sql = postgres(`postgres://pggrind_app:${encodeURIComponent(creds.request)}@127.0.0.1:${pgPort}/pggrind`, {
    max: 1,
    onnotice: () => {},
  });
  const job = await addJob(sql, { task: 'hello' });
  for (let i = 0; i < 300 && (await sql`select state from queue.job_history where id = ${job.id}`).length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  t.match(
    await sql`select state from queue.job_history where id = ${job.id}`,
    [{ state: 'completed' }],
    'the worker still runs jobs',
  );
  await sql.end();
  w2.child.kill('SIGTERM');
  t.equal(await w2.exited, 0);
  t.notOk(existsSync(pidFile), 'the last one out stopped PostgreSQL');
});

t.test('two servers started at once on a fresh embedded data directory share one cluster', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pggrind-twin-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATABASE_URL: undefined, PGGRIND_DATA_DIR: dataDir, PGGRIND_EMBEDDED_PORT: String(await freePort()) };
  const [a, b] = await Promise.all([start(env), start(env)]);
  const outputs = [a!.output(), b!.output()];
  t.equal(outputs.filter((o) => /embedded PostgreSQL started/.test(o)).length, 1, 'one of them started the cluster');
  t.equal(
    outputs.filter((o) => /reusing the embedded PostgreSQL already running/.test(o)).length,
    1,
    'the other uses it',
  );
  // Beside the cluster: the admin token both generated at once (one file, no temporary copy).
  t.same(readdirSync(dataDir).sort(), ['admin-token', 'pg18'], 'no half-initialised copy left beside it');
  const created = await fetch(`http://127.0.0.1:${a!.port}/todo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"title":"seen by both"}',
  });
  t.equal(created.status, 201);
  const list = (await (await fetch(`http://127.0.0.1:${b!.port}/todo`)).json()) as { title: string }[];
  t.same(
    list.map((x) => x.title),
    ['seen by both'],
    'one database',
  );
  a!.child.kill('SIGTERM');
  t.equal(await a!.exited, 0);
  t.equal((await fetch(`http://127.0.0.1:${b!.port}/healthz`)).status, 200, 'the other keeps its database');
  b!.child.kill('SIGTERM');
  t.equal(await b!.exited, 0);
  t.notOk(existsSync(path.join(dataDir, 'pg18', 'postmaster.pid')), 'stopped by the last one');
});
