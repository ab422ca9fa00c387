/**
 * Per-file test databases: each call clones the migrated template (about 50 ms) and drops the clone
 * when the test ends. Needs the environment that scripts/test.ts (npm test) provides.
 */
import postgres from 'postgres';
import type { Test } from 'tap';
import { connect, type Pool } from '../../src/lib/core/db.js';
import { withDatabase } from '../../src/lib/core/migrate.js';
import { testEnv } from './env.js';

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests through \`npm test\` (scripts/test.ts)`);
  return v;
}

export const serverUrl = () => required(testEnv.server);
let counter = 0;

export interface TestDb {
  sql: Pool;
  url: string;
  name: string;
}

/** A fresh migrated database for this test, dropped at teardown. */
export async function testDb(t: Test, opts: { max?: number } = {}): Promise<TestDb> {
  const server = serverUrl();
  const name = `pggrind_t_${required(testEnv.runner)}_${process.pid}_${counter++}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  for (let attempt = 1; ; attempt++) {
    try {
      await admin`create database ${admin(name)} template ${admin(required(testEnv.template))}`;
      break;
    } catch (err) {
      // 55006: another clone is reading the template at this instant; try again shortly.
      if ((err as { code?: string }).code !== '55006' || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
  const url = withDatabase(server, name);
  const sql = connect(url, { max: opts.max ?? 10, applicationName: 'pg-grind-test' });
  t.teardown(async () => {
    await sql.end({ timeout: 1 });
    await admin`drop database if exists ${admin(name)} with (force)`;
    await admin.end();
  });
  return { sql, url, name };
}
