// `pg-grind` (src/cli/main.ts) and `migrate()` in-process, on real PostgreSQL: usage and exit codes,
// a database created and migrated from nothing, a second run with nothing to do. The installed bin
// run from a user's project is test/core/consumer.ts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import t, { type Test } from 'tap';
import { main, type Io } from '../../src/cli/main.js';
import { migrate, withDatabase } from '../../src/lib/core/migrate.js';
import { packageRoot } from '../../src/lib/core/paths.js';
import { embeddedPackage, missingPackages, missingPeersMessage, serverPackages } from '../../src/lib/core/peers.js';
import { serverUrl, testDb } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';

const committed = readdirSync(path.join(packageRoot, 'migrations', 'committed'))
  .filter((f) => f.endsWith('.sql'))
  .sort();
let counter = 0;

/** A database name of the test scheme (dropped by the runner if this process dies), not yet created. */
function freshDatabase(t: Test): string {
  const name = `pggrind_t_${process.env[testEnv.runner]}_${process.pid}_cli${counter++}`;
  t.teardown(async () => {
    const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
    await admin`drop database if exists ${admin(name)} with (force)`;
    await admin.end();
  });
  return name;
}

async function pgGrind(args: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { env, out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

t.test('usage: help exits 0 on stdout; unknown commands and options exit 2 with usage on stderr', async (t) => {
  for (const args of [['--help'], ['-h'], ['help']]) {
    const r = await pgGrind(args);
    t.equal(r.code, 0, args.join(' '));
    t.match(r.out, /^usage: pg-grind <command>/);
    t.equal(r.err, '');
  }
  const v = await pgGrind(['--version']);
  t.equal(v.code, 0);
  t.match(v.out, /^\d+\.\d+\.\d+/);

  for (const args of [[], ['frobnicate'], ['migrate', '--frobnicate'], ['migrate', 'postgres://x@y/z']]) {
    const r = await pgGrind(args, { DATABASE_URL: withDatabase(serverUrl(), 'never_touched') });
    t.equal(r.code, 2, `pg-grind ${args.join(' ')}`);
    t.match(r.err, /usage: pg-grind/);
    t.equal(r.out, '');
  }

  const help = await pgGrind(['migrate', '--help']);
  t.equal(help.code, 0);
  t.match(help.out, /^usage: pg-grind migrate \[--database-url URL\]/);
});

t.test('migrate without a database URL, or with one that is not a URL, exits 2 without echoing it', async (t) => {
  const none = await pgGrind(['migrate']);
  t.equal(none.code, 2);
  t.match(none.err, /--database-url URL or set MIGRATION_DATABASE_URL/);
  const bad = await pgGrind(['migrate', '--database-url', 'not a url:secret']);
  t.equal(bad.code, 2);
  t.notMatch(bad.err, /secret/);
});

t.test(
  'migrate creates a missing database and applies every committed migration; a second run applies none',
  async (t) => {
    const name = freshDatabase(t);
    const url = withDatabase(serverUrl(), name);
    const first = await pgGrind(['migrate', '--database-url', url]);
    t.equal(first.code, 0, first.err);
    t.match(first.out, new RegExp(`^created database ${name}$`, 'm'));
    for (const file of committed) t.match(first.out, new RegExp(`^applied ${file.replace('.', '\\.')}$`, 'm'));
    t.match(first.out, new RegExp(`${committed.length} migrations applied, now at ${committed.at(-1)}`));

    // DATABASE_URL is the default; --database-url wins over it
    const second = await pgGrind(['migrate'], { DATABASE_URL: url });
    t.equal(second.code, 0, second.err);
    t.equal(second.out, `${name}: already up to date at ${committed.at(-1)}`);

    const sql = postgres(url, { max: 1, onnotice: () => {} });
    t.teardown(() => sql.end());
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from graphile_migrate.migrations`;
    t.equal(row!.n, committed.length);
    const tables = await sql`select 1 from pg_tables where schemaname = 'todo' and tablename = 'todos'`;
    t.equal(tables.length, 1, 'the schema is there');
  },
);

t.test('migrate --no-create on a missing database exits 1 with its SQLSTATE and creates nothing', async (t) => {
  const name = freshDatabase(t);
  const r = await pgGrind(['migrate', '--no-create'], { DATABASE_URL: withDatabase(serverUrl(), name) });
  t.equal(r.code, 1);
  t.match(r.err, /\(3D000\)$/);
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  t.teardown(() => admin.end());
  t.same(await admin`select 1 from pg_database where datname = ${name}`, []);
});

t.test('migrate() on an up-to-date database: nothing created, nothing applied', async (t) => {
  const { ownerUrl: url } = await testDb(t);
  const result = await migrate(url, { createDatabase: false });
  t.same(result, { created: false, applied: [], current: committed.at(-1) });
  t.same(await migrate(url), result, 'with createDatabase (the default), an existing database is left as it is');
});

t.test(
  'optional peers: present ones resolve, missing ones are named in one line with the install command',
  async (t) => {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
      devDependencies: Record<string, string>;
    };
    const peers = [...serverPackages, embeddedPackage].sort();
    t.same(
      Object.keys(pkg.peerDependencies).sort(),
      peers,
      'package.json declares exactly the packages the entry points check',
    );
    for (const name of peers) {
      t.ok(pkg.peerDependenciesMeta[name]?.optional, `${name} is an optional peer`);
      t.equal(pkg.devDependencies[name], pkg.peerDependencies[name], `${name}: the repo itself installs it`);
    }
    t.same(missingPackages(serverPackages), [], 'the repo installs every server package (devDependencies)');
    t.same(missingPackages(['express', 'pggrind-no-such-package']), ['pggrind-no-such-package']);
    t.equal(missingPeersMessage('the thing', ['express']), undefined);
    const line = missingPeersMessage('the thing', ['pggrind-no-such-package', 'express']);
    t.equal(
      line,
      'pg-grind: the thing needs pggrind-no-such-package, optional peer dependencies of pg-grind: npm install pggrind-no-such-package',
    );
  },
);
