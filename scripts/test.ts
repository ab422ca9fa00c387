/**
 * `npm test`: typecheck, build, then every test file under tap against a migrated template database.
 * The server is DATABASE_URL's when set (any database on it; we create and drop our own), else an
 * embedded PostgreSQL 18 cluster in .data/test-pg18 that this script starts and stops. Each test file
 * clones the template (test/helpers/db.ts). Extra arguments go to tap (e.g. a test file to run alone).
 *
 * As in production (src/lib/core/roles.ts), the template is migrated as pggrind_owner and the tests
 * run their requests as pggrind_app: both roles are created on the server when missing (with the
 * embedded cluster's generated passwords; on DATABASE_URL's server with none, so that server must
 * let them log in from here, as a trust or .pgpass-less local setup does).
 *
 * PGGRIND_TEST_POOLER=pgbouncer: the pooled suite. A PgBouncer in transaction mode is started in
 * front of the server (test/helpers/pgbouncer.ts; PGGRIND_TEST_POOL_SIZE server connections per
 * database, default 5) and every test's request-role pool goes through it, unprepared; owner and
 * superuser connections stay direct. PGGRIND_TEST_POOLER=postgres://host:port uses a pooler already
 * running there instead (it must reach the test server and let pggrind_app in).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import postgres from 'postgres';
import { embeddedDefaults } from '../src/lib/core/database.js';
import { startEmbedded, type EmbeddedServer } from '../src/lib/core/embedded.js';
import { migrateDatabase, withDatabase } from '../src/lib/core/migrate.js';
import { packageRoot } from '../src/lib/core/paths.js';
import { OWNER_ROLE, provisionDatabase, provisionRoles, withUser } from '../src/lib/core/roles.js';
import { testDbPattern, testEnv } from '../test/helpers/env.js';
import { type PgBouncer, startPgBouncer } from '../test/helpers/pgbouncer.js';

const require = createRequire(import.meta.url);
const log = (m: string) => console.error(`[test] ${m}`);
const step = (name: string, args: string[]) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: packageRoot });
  if (r.status !== 0) {
    log(`${name} failed`);
    process.exit(r.status ?? 1);
  }
  log(`${name}: ${Math.round(performance.now() - t0)} ms`);
};

step('typecheck', [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json']);
step('build', [path.join(packageRoot, 'scripts', 'build.mjs')]);

let embedded: EmbeddedServer | undefined;
let serverUrl = process.env.DATABASE_URL;
if (serverUrl) {
  serverUrl = withDatabase(serverUrl, 'postgres');
  log(`using the PostgreSQL server of DATABASE_URL`);
} else {
  embedded = await startEmbedded({
    dataDir: embeddedDefaults.dataDir('test-pg18'),
    port: Number(process.env.PGGRIND_TEST_PORT ?? 54330),
    fast: true,
    log,
  });
  serverUrl = embedded.url;
}

const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const [row] = await admin<{ version: string }[]>`select current_setting('server_version') as version`;
const version = row?.version;
log(`PostgreSQL ${version}`);

// Databases left by test runs that were killed (their runner pid is gone) are dropped; those of
// runs still alive, and every database not named by this scheme, are left alone.
for (const { datname } of await admin<
  { datname: string }[]
>`select datname from pg_database where datname like 'pggrind\\_t\\_%'`) {
  const pid = Number(testDbPattern.exec(datname)?.[1]);
  let alive = true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    alive = (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!alive) await admin`drop database if exists ${admin(datname)} with (force)`;
}

const passwords = { owner: embedded?.credentials.owner, request: embedded?.credentials.request };
await provisionRoles(serverUrl, passwords);
const template = `pggrind_t_${process.pid}_template`;
await provisionDatabase(serverUrl, template);
let code = 1;
let pgbouncer: PgBouncer | undefined;
try {
  const poolerSetting = process.env.PGGRIND_TEST_POOLER;
  let pooler: string | undefined;
  if (poolerSetting === 'pgbouncer') {
    pgbouncer = await startPgBouncer({
      server: serverUrl,
      poolSize: Number(process.env.PGGRIND_TEST_POOL_SIZE ?? 5),
      users: { pggrind_app: passwords.request },
    });
    pooler = `postgres://${pgbouncer.host}:${pgbouncer.port}`;
    log(`pooled suite: request-role connections go through PgBouncer (transaction mode) on ${pooler}`);
  } else if (poolerSetting) {
    pooler = poolerSetting;
    log(`pooled suite: request-role connections go through the pooler at ${pooler}`);
  }
  const t0 = performance.now();
  await migrateDatabase(withUser(withDatabase(serverUrl, template), OWNER_ROLE, passwords.owner), log);
  log(`template ${template} migrated: ${Math.round(performance.now() - t0)} ms`);
  const tap = spawn(path.join(packageRoot, 'node_modules', '.bin', 'tap'), process.argv.slice(2), {
    stdio: ['inherit', 'pipe', 'inherit'],
    cwd: packageRoot,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      [testEnv.server]: serverUrl,
      [testEnv.template]: template,
      [testEnv.runner]: String(process.pid),
      [testEnv.passwords]: JSON.stringify(passwords),
      ...(pooler ? { [testEnv.pooler]: pooler } : {}),
    },
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => tap.kill(sig));
  // Pass tap's output through, keeping its closing `# { total: N, pass: N, fail: N }` for the summary.
  let tail = '';
  tap.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString()).slice(-4096);
  });
  code = await new Promise<number>((resolve) => tap.on('close', (c, s) => resolve(c ?? (s ? 1 : 0))));
  const counts = /# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?/.exec(tail);
  if (counts) {
    if (code && !Number(counts[3] ?? 0))
      console.log('\nthe run failed although no test did: see the coverage thresholds above');
    console.log(`\ntests: ${counts[2] ?? 0} passed, ${counts[3] ?? 0} failed`);
  }
} finally {
  await pgbouncer?.stop();
  await admin`drop database if exists ${admin(template)} with (force)`;
  await admin.end();
  await embedded?.stop();
}
process.exit(code);
