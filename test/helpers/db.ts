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

/** The pooler of the pooled suite (scripts/test.ts), or undefined: tests then connect directly. */
export function poolerAddress(): URL | undefined {
  const v = process.env[testEnv.pooler];
  return v ? new URL(v) : undefined;
}

/** `url` through the pooler of the pooled suite (unchanged without one). */
export function throughPooler(url: string): string {
  const pooler = poolerAddress();
  if (!pooler) return url;
  const u = new URL(url);
  u.hostname = pooler.hostname;
  u.port = pooler.port;
  return u.toString();
}

export interface TestDb {
  /**
   * A pool as the request role, pggrind_app, what the server's requests run as (or the owner: `as`).
   * In the pooled suite it goes through the transaction-mode pooler, unprepared, as a server behind
   * PgBouncer 1.18 must (`pooled`).
   */
  sql: Pool;
  /** Its URL (pggrind_app; the pooler's in the pooled suite). */
  url: string;
  /** The request role's URL straight to PostgreSQL, bypassing any pooler (LISTEN, session state). */
  directUrl: string;
  /** True in the pooled suite: `url` is a transaction pooler's, so open pools on it with `prepare: !pooled`. */
  pooled: boolean;
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
  const directUrl = withUser(superUrl, REQUEST_ROLE, rolePasswords().request);
  const ownerUrl = withUser(superUrl, OWNER_ROLE, rolePasswords().owner);
  // The pooled suite: only the request role goes through the pooler; owner and superuser stay direct.
  const pooled = poolerAddress() !== undefined;
  const url = throughPooler(directUrl);
  // `as: 'owner'`: for tests of the kit that build scratch tables of their own (DDL), not of a project.
  const sql =
    opts.as === 'owner'
      ? connect(ownerUrl, { max: opts.max ?? 10, applicationName: 'pg-grind-test' })
      : connect(url, { max: opts.max ?? 10, applicationName: 'pg-grind-test', prepare: !pooled });
  const superSql = connect(superUrl, { max: 2, applicationName: 'pg-grind-test-superuser' });
  t.teardown(async () => {
    await sql.end({ timeout: 1 });
    await superSql.end({ timeout: 1 });
    await admin`drop database if exists ${admin(name)} with (force)`;
    await admin.end();
  });
  return { sql, url, directUrl, pooled, ownerUrl, superUrl, superSql, name };
}
