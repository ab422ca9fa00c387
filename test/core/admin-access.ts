// The admin token and CORS: generated once (0600) when ADMIN_TOKEN is unset, required by /queue,
// refused start on a non-loopback HOST without ADMIN_TOKEN, and CORS origins from CORS_ORIGINS.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { loadAdminToken, sameToken } from '../../src/lib/core/admin-token.js';
import { packageRoot } from '../../src/lib/core/paths.js';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';

t.setTimeout(120_000);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

// A failed assertion must not leave a server running (tap would wait for it until its timeout).
const children = new Set<import('node:child_process').ChildProcess>();
t.teardown(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Runs `npm start`'s entry point until it listens (then it is stopped with SIGTERM) or exits. */
async function run(env: Record<string, string | undefined>) {
  const port = await freePort();
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(port),
    NODE_OPTIONS: '',
    LOG_LEVEL: 'info',
    ...env,
  };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  const child = spawn(process.execPath, [path.join(packageRoot, 'dist', 'http', 'core', 'server.js')], {
    env: childEnv as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Resolves on the 'pg-grind listening' log line or on exit, whichever comes first: no polling.
  const listening = new Promise<boolean>((resolve) => {
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('pg-grind listening')) resolve(true);
    });
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    void exited.then(() => resolve(false));
  });
  return { child, port, exited, listening, out: () => ({ stdout, stderr }) };
}

t.test('loadAdminToken: env first, else one file created 0600 and reused; weak or exposed tokens refused', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pggrind-token-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const made = loadAdminToken({}, path.join(dir, 'data'));
  t.equal(made.source, 'generated');
  t.equal(statSync(made.file!).mode & 0o777, 0o600);
  t.same(loadAdminToken({}, path.join(dir, 'data')), { ...made, source: 'file' });
  t.equal(loadAdminToken({ ADMIN_TOKEN: 'x'.repeat(40) }, path.join(dir, 'data')).token, 'x'.repeat(40));
  t.throws(() => loadAdminToken({ ADMIN_TOKEN: 'short' }, dir), /ADMIN_TOKEN must be at least 16/);
  chmodSync(made.file!, 0o644);
  t.throws(() => loadAdminToken({}, path.join(dir, 'data')), /readable by other users/);
  writeFileSync(path.join(dir, 'admin-token'), 'tiny\n', { mode: 0o600 });
  t.throws(() => loadAdminToken({}, dir), /at least 16/);
  t.ok(sameToken(made.token, made.token));
  t.notOk(sameToken(made.token, `${made.token}x`));
  t.notOk(sameToken('', made.token));
  t.end();
});

t.test('servers starting at once on a fresh data directory agree on one token', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pggrind-token-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const module = path.join(packageRoot, 'dist', 'lib', 'core', 'admin-token.js');
  const script = `import { loadAdminToken } from ${JSON.stringify(module)};
    process.stdout.write(loadAdminToken({}, ${JSON.stringify(dir)}).token);`;
  const tokens = await Promise.all(
    Array.from(
      { length: 4 },
      () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
            env: { PATH: process.env.PATH },
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          child.stdout.on('data', (c: Buffer) => {
            out += c.toString();
          });
          child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
        }),
    ),
  );
  t.equal(new Set(tokens).size, 1, 'one token');
  t.equal(tokens[0], readFileSync(path.join(dir, 'admin-token'), 'utf8').trim());
  t.same(readdirSync(dir), ['admin-token'], 'no temporary files left');
});

t.test('a non-loopback HOST without ADMIN_TOKEN: one line on stderr, exit 1, nothing served', async (t) => {
  const { url } = await testDb(t);
  for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
    const s = await run({ DATABASE_URL: url, HOST: host, ADMIN_TOKEN: undefined });
    const listened = await s.listening;
    if (listened) s.child.kill('SIGTERM');
    t.notOk(listened, `HOST=${host} is refused`);
    t.equal(await s.exited, 1);
    const { stderr } = s.out();
    t.match(stderr, /ADMIN_TOKEN/);
    t.equal(stderr.trim().split('\n').length, 1, 'one line, no stack');
  }
});

t.test('ADMIN_TOKEN unset: generated once into the data directory (0600), printed once, required', async (t) => {
  const { url } = await testDb(t);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pggrind-admin-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATABASE_URL: url, HOST: '127.0.0.1', ADMIN_TOKEN: undefined, PGGRIND_DATA_DIR: dataDir };

  const first = await run(env);
  t.ok(await first.listening, 'listens');
  const file = path.join(dataDir, 'admin-token');
  const token = readFileSync(file, 'utf8').trim();
  t.ok(token.length >= 32, 'a long random token');
  t.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only');
  const printed = first.out().stdout + first.out().stderr;
  t.equal(printed.split(token).length - 1, 1, 'printed exactly once');

  const base = `http://127.0.0.1:${first.port}`;
  t.equal((await fetch(`${base}/queue/stats`)).status, 401);
  t.equal((await fetch(`${base}/queue/stats`, { headers: { authorization: `Bearer ${token}x` } })).status, 401);
  t.equal((await fetch(`${base}/queue/stats`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  first.child.kill('SIGTERM');
  t.equal(await first.exited, 0);

  // The next start reuses the file and does not print the token again.
  const second = await run(env);
  t.ok(await second.listening);
  const again = second.out().stdout + second.out().stderr;
  t.notOk(again.includes(token), 'not printed on reuse');
  const res = await fetch(`http://127.0.0.1:${second.port}/queue/stats`, {
    headers: { authorization: `Bearer ${token}` },
  });
  t.equal(res.status, 200);
  second.child.kill('SIGTERM');
  await second.exited;

  // ADMIN_TOKEN wins over the file.
  const third = await run({ ...env, ADMIN_TOKEN: 'from-the-environment-0123456789' });
  t.ok(await third.listening);
  const at = `http://127.0.0.1:${third.port}/queue/stats`;
  t.equal((await fetch(at, { headers: { authorization: `Bearer ${token}` } })).status, 401);
  t.equal((await fetch(at, { headers: { authorization: 'Bearer from-the-environment-0123456789' } })).status, 200);
  third.child.kill('SIGTERM');
  await third.exited;
});

t.test('CORS: * on /todo only; configured origins elsewhere; bearer APIs open', async (t) => {
  const { sql } = await testDb(t);
  const closed = await testServer(t, sql);
  const evil = { origin: 'https://evil.example' };
  const acao = async (srv: typeof closed, path: string, headers: Record<string, string>, method = 'GET') =>
    (await srv.request(path, { method, headers })).headers.get('access-control-allow-origin');

  t.equal(await acao(closed, '/todo', evil), '*', 'the Todo-Backend spec runner needs *');
  t.equal(await acao(closed, '/booking/resources/1', evil), null);
  t.equal(await acao(closed, '/healthz', evil), null);
  t.equal(await acao(closed, '/openapi.json', evil), null);
  // A preflight for a write from another page gets no permission.
  const preflight = await closed.request('/booking/bookings', {
    method: 'OPTIONS',
    headers: { ...evil, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  t.equal(preflight.headers.get('access-control-allow-origin'), null);
  t.equal(preflight.headers.get('access-control-allow-methods'), null);
  // Bearer-token APIs: a page cannot read a token it does not have, and no cookies are used.
  for (const p of ['/queue/stats', '/blog/tags', '/saas/orgs']) t.equal(await acao(closed, p, evil), '*', p);

  const open = await testServer(t, sql, { corsOrigins: ['https://app.example', 'http://localhost:5173'] });
  t.equal(await acao(open, '/booking/resources/1', { origin: 'https://app.example' }), 'https://app.example');
  t.equal(await acao(open, '/booking/resources/1', { origin: 'http://localhost:5173' }), 'http://localhost:5173');
  t.equal(await acao(open, '/booking/resources/1', evil), null);
  const vary = (await open.request('/booking/resources/1', { headers: { origin: 'https://app.example' } })).headers;
  t.match(vary.get('vary'), /origin/i);
  const ok = await open.request('/booking/bookings', {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
  });
  t.equal(ok.status, 204);
  t.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
});
