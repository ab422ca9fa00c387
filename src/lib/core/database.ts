/**
 * Finds the database a pg-grind process should use and brings it up to date:
 * `DATABASE_URL` when set, else the embedded PostgreSQL 18 under `.data/`.
 */
import path from 'node:path';
import { startEmbedded } from './embedded.js';
import { ensureDatabase, migrateDatabase, withDatabase } from './migrate.js';
import { dataRoot } from './paths.js';

export interface OpenDatabase {
  /** Connection URL of the migrated application database. */
  url: string;
  /** True when the embedded server is in use. */
  embedded: boolean;
  /** Leaves the embedded server, stopping it unless other processes still use it (no-op for DATABASE_URL). */
  stop(): Promise<void>;
}

/** The per-session limits of the server's request pool (connect() options). */
export interface SessionLimits {
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
}

/**
 * A non-negative whole number of milliseconds from `env[name]`, else `fallback`; a value that is not
 * one (a typo, `30s`) fails start-up naming the variable rather than silently leaving a limit off.
 */
export function millisecondsSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // PostgreSQL's limit for both settings: INT_MAX milliseconds.
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > 2_147_483_647) {
    throw new Error(`${name} must be a whole number of milliseconds (0 to use the server's setting), not "${raw}"`);
  }
  return Number(raw);
}

/** A whole number at least `min` from `env[name]`, else `fallback`; anything else fails start-up naming the variable. */
export function countSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min) {
    throw new Error(`${name} must be a whole number, at least ${min}, not "${raw}"`);
  }
  return Number(raw);
}

/**
 * The request pool's limits from PGGRIND_STATEMENT_TIMEOUT (default 30 s) and
 * PGGRIND_IDLE_IN_TRANSACTION_TIMEOUT (default 10 s), in ms, 0 for the server's own setting.
 * 30 s: request statements take milliseconds (the slowest listed in docs/, tags over 300k links, some
 * 60 ms), so 30 s only stops work no client still waits for (proxies and browsers give up after
 * 30-60 s) while leaving slow-disk outliers alone. 10 s: a request's transaction idles only while
 * Node runs between its statements (microseconds to a few ms); a longer idle is a stuck handler
 * holding locks, and vacuum's horizon, for everyone else.
 */
export function sessionLimits(env: NodeJS.ProcessEnv = process.env): SessionLimits {
  return {
    statementTimeoutMs: millisecondsSetting(env, 'PGGRIND_STATEMENT_TIMEOUT', 30_000),
    idleInTransactionTimeoutMs: millisecondsSetting(env, 'PGGRIND_IDLE_IN_TRANSACTION_TIMEOUT', 10_000),
  };
}

/** Default data directory and port of the embedded server (override: PGGRIND_DATA_DIR, PGGRIND_EMBEDDED_PORT). */
export const embeddedDefaults = {
  /** `.data/<cluster>` (or under PGGRIND_DATA_DIR): `pg18` for the server, `test-pg18`, `bench-pg18`. */
  dataDir: (cluster = 'pg18') => path.join(dataRoot(), cluster),
  port: () => Number(process.env.PGGRIND_EMBEDDED_PORT ?? 54329),
};

/** Opens (starting the embedded server if needed), creates and migrates the application database. */
export async function openDatabase(log: (message: string) => void = () => {}): Promise<OpenDatabase> {
  const given = process.env.DATABASE_URL;
  if (given) {
    await ensureDatabase(given);
    await migrateDatabase(given, log);
    return { url: given, embedded: false, stop: async () => {} };
  }
  const server = await startEmbedded({ dataDir: embeddedDefaults.dataDir(), port: embeddedDefaults.port(), log });
  try {
    const url = withDatabase(server.url, 'pggrind');
    await ensureDatabase(url);
    await migrateDatabase(url, log);
    return { url, embedded: true, stop: server.stop };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
