// Upgrades into least privilege (src/lib/core/roles.ts, embedded.ts): a database that an earlier
// version migrated as the superuser is handed to pggrind_owner whole, after which the owner migrates
// it and pggrind_app may serve it; an embedded cluster initialised with trust is secured at its next
// start (scram only, the superuser given the generated password).
import { migrate as graphileMigrate } from 'graphile-migrate';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import t from 'tap';
import { checkRequestDatabase } from '../../src/lib/core/database.js';
import { startEmbedded } from '../../src/lib/core/embedded.js';
import { migrateDatabase, withDatabase } from '../../src/lib/core/migrate.js';
import { packageRoot } from '../../src/lib/core/paths.js';
import { OWNER_ROLE, provisionDatabase, REQUEST_ROLE, withUser } from '../../src/lib/core/roles.js';
import { rolePasswords, serverUrl } from '../helpers/db.js';
import { testEnv } from '../helpers/env.js';

t.setTimeout(300_000);

t.test('a database migrated as the superuser before the roles existed is handed to the owner', async (t) => {
  const name = `pggrind_t_${process.env[testEnv.runner]}_${process.pid}_legacy`;
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  t.teardown(async () => {
    await admin`drop database if exists ${admin(name)} with (force)`;
    await admin.end();
  });
  // The chain as it stood before this change (000001..000006), applied by the superuser.
  const before = mkdtempSync(path.join(os.tmpdir(), 'pggrind-legacy-'));
  t.teardown(() => rmSync(before, { recursive: true, force: true }));
  const committed = path.join(packageRoot, 'migrations', 'committed');
  mkdirSync(path.join(before, 'committed'));
  for (const f of readdirSync(committed).filter((f) => f < '000007')) {
    cpSync(path.join(committed, f), path.join(before, 'committed', f));
  }
  await admin`create database ${admin(name)}`;
  const superDb = withDatabase(serverUrl(), name);
  await graphileMigrate({ connectionString: superDb, migrationsFolder: before, manageGraphileMigrateSchema: true });
  await new Promise((r) => setTimeout(r, 250)); // graphile-migrate's pool lingers 200 ms

  const passwords = rolePasswords();
  await provisionDatabase(serverUrl(), name);
  const su = postgres(superDb, { max: 1, onnotice: () => {} });
  t.teardown(() => su.end());
  const notOwned = await su`
    select c.oid::regclass::text as what from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname in ('todo', 'booking', 'saas', 'blog', 'queue', 'graphile_migrate')
       and c.relkind in ('r', 'p', 'S', 'v', 'm') and pg_get_userbyid(c.relowner) <> ${OWNER_ROLE}
    union all
    select nspname from pg_namespace
     where nspname in ('todo', 'booking', 'saas', 'blog', 'queue', 'graphile_migrate')
       and pg_get_userbyid(nspowner) <> ${OWNER_ROLE}
    union all
    select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname in ('todo', 'booking', 'saas', 'blog', 'queue')
       and pg_get_userbyid(p.proowner) not in (${OWNER_ROLE}, 'saas_definer')
    union all
    select t.oid::regtype::text from pg_type t join pg_namespace n on n.oid = t.typnamespace
     where n.nspname in ('todo', 'booking', 'saas', 'blog', 'queue') and t.typtype in ('e', 'd', 'r')
       and pg_get_userbyid(t.typowner) <> ${OWNER_ROLE}`;
  t.same(notOwned, [], 'every schema, table, sequence, function and type now belongs to the owner');
  const [db] = await su`select pg_get_userbyid(datdba) as owner from pg_database where datname = current_database()`;
  t.equal(db!.owner, OWNER_ROLE, 'and the database too');

  const request = withUser(superDb, REQUEST_ROLE, passwords.request);
  await t.rejects(
    checkRequestDatabase(request),
    /or the database lacks the migrations that grant pggrind_app its privileges/,
    'before the new migrations, pggrind_app is refused, and told why',
  );
  await migrateDatabase(withUser(superDb, OWNER_ROLE, passwords.owner));
  await t.resolves(checkRequestDatabase(request), 'migrated by the owner, served by pggrind_app');
  const app = postgres(request, { max: 1, onnotice: () => {} });
  t.teardown(() => app.end());
  t.same(await app`select count(*)::int as n from todo.todos`, [{ n: 0 }], 'the request role reads its tables');
});

t.test('an embedded cluster initialised with trust is secured at its next start', async (t) => {
  const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'pggrind-trust-')), 'pg18');
  t.teardown(() => rmSync(path.dirname(dataDir), { recursive: true, force: true }));
  const first = await startEmbedded({ dataDir, port: 0, fast: true });
  await first.stop();
  // What an earlier version left: trust for everyone, no credentials file.
  writeFileSync(path.join(dataDir, 'pg_hba.conf'), 'host all all 127.0.0.1/32 trust\n');
  rmSync(path.join(dataDir, 'pg-grind-credentials.json'));

  const logs: string[] = [];
  const second = await startEmbedded({ dataDir, port: 0, fast: true, log: (m) => logs.push(m) });
  t.teardown(() => second.stop());
  t.match(logs.join('\n'), /securing the embedded PostgreSQL/);
  const credsFile = path.join(dataDir, 'pg-grind-credentials.json');
  t.equal(statSync(credsFile).mode & 0o777, 0o600);
  t.notMatch(readFileSync(path.join(dataDir, 'pg_hba.conf'), 'utf8'), /\btrust\b/, 'no trust rule left');
  const bare = postgres(`postgres://postgres@127.0.0.1:${second.port}/postgres`, { max: 1, onnotice: () => {} });
  await t.rejects(bare`select 1`, { code: '28P01' }, 'no password: refused');
  await bare.end();
  const su = postgres(second.url, { max: 1, onnotice: () => {} });
  t.same(await su`select current_user as u`, [{ u: 'postgres' }], 'the generated password works');
  await su.end();
});
