/**
 * Per-file test databases: each call clones the migrated template (about 50 ms) and drops the clone
 * when the test ends. Needs the environment that scripts/test.ts (npm test) provides.
 */
import postgres from 'postgres';
import type { Test } from 'tap';
import { connect, type Pool } from '../../src/lib/core/db.js';
import { withDatabase } from '../../src/lib/core/migrate.js';
import { OWNER_ROLE, REQUEST_ROLE, withUser } from '../../src/lib/core/roles.js';
import { testEnv } from './env.js';

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests through \`npm test\` (scripts/test.ts)`);
  return v;
}

export const serverUrl = () => required(testEnv.server);
/** Passwords of pggrind_owner and pggrind_app on the test server (none on a trust server). */
export const rolePasswords = (): { owner?: string; request?: string } =>
  JSON.parse(process.env[testEnv.passwords] ?? '{}');
let counter = 0;

export interface TestDb {
  /** A pool as the request role, pggrind_app, what the server's requests run as (or the owner: `as`). */
  sql: Pool;
  /** Its URL (pggrind_app). */
  url: string;
  /** The same database as its owner, pggrind_owner (migrations, DDL, what requests may not do). */
  ownerUrl: string;
  /** The same database as the test server's superuser (catalog checks, killing other roles' sessions). */
  superUrl: string;
  /**
   * A pool on `superUrl` (connects on first use): for seeding and inspecting what the request role
   * may not see (saas rows under forced RLS), never for what a test claims the library does.
   */
  superSql: Pool;
  name: string;
}

/** A fresh migrated database for this test, dropped at teardown; its `sql` runs as the request role. */
export async function testDb(t: Test, opts: { max?: number; as?: 'request' | 'owner' } = {}): Promise<TestDb> {
  const server = serverUrl();
  const name = `pggrind_t_${required(testEnv.runner)}_${process.pid}_${counter++}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  for (let attempt = 1; ; attempt++) {
    try {
      await admin`create database ${admin(name)} template ${admin(required(testEnv.template))} owner ${admin(OWNER_ROLE)}`;
      break;
    } catch (err) {
      // 55006: another clone is reading the template at this instant; try again shortly.
      if ((err as { code?: string }).code !== '55006' || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
  const superUrl = withDatabase(server, name);
  const url = withUser(superUrl, REQUEST_ROLE, rolePasswords().request);
  const ownerUrl = withUser(superUrl, OWNER_ROLE, rolePasswords().owner);
  // `as: 'owner'`: for tests of the kit that build scratch tables of their own (DDL), not of a project.
  const sql = connect(opts.as === 'owner' ? ownerUrl : url, { max: opts.max ?? 10, applicationName: 'pg-grind-test' });
  const superSql = connect(superUrl, { max: 2, applicationName: 'pg-grind-test-superuser' });
  t.teardown(async () => {
    await sql.end({ timeout: 1 });
    await superSql.end({ timeout: 1 });
    await admin`drop database if exists ${admin(name)} with (force)`;
    await admin.end();
  });
  return { sql, url, ownerUrl, superUrl, superSql, name };
}
