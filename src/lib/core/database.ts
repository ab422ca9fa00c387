/**
 * Finds the database a pg-grind process should use and brings it up to date:
 * `DATABASE_URL` when set, else the embedded PostgreSQL 18 under `.data/`.
 *
 * Requests run as a role that owns nothing and that row-level security applies to (roles.ts); a
 * process given anything more powerful refuses to start. Migrations run as the owner: the embedded
 * cluster's `pggrind_owner`, or `MIGRATION_DATABASE_URL` beside `DATABASE_URL` (without it, the
 * database must already be migrated, by `pg-grind migrate` run as the owner).
 *
 * Behind a transaction-mode pooler (PgBouncer), `DATABASE_URL` is the pooler's and
 * `DATABASE_DIRECT_URL` the same database and role straight to PostgreSQL: setting it says that
 * `DATABASE_URL` is a pooler (see `OpenDatabase.pooled`). What a transaction pooler cannot carry goes
 * around it: migrations (a session advisory lock) on `MIGRATION_DATABASE_URL`, the queue worker's
 * LISTEN on `DATABASE_DIRECT_URL`.
 */
import path from 'node:path';
import postgres from 'postgres';
import { startEmbedded } from './embedded.js';
import { ensureDatabase, migrateDatabase, pendingMigrations, withDatabase } from './migrate.js';
import { dataRoot } from './paths.js';
import { OWNER_ROLE, provisionDatabase, provisionRoles, REQUEST_ROLE, requestRoleProblem, withUser } from './roles.js';

export interface OpenDatabase {
  /** Connection URL of the migrated application database, as the request role. */
  url: string;
  /** True when the embedded server is in use. */
  embedded: boolean;
  /**
   * True when `url` goes through a transaction-mode pooler (DATABASE_DIRECT_URL is set): pools on it
   * must run unprepared (`connect(url, { prepare: false })`, PgBouncer before 1.21) and send no startup
   * settings but application_name (PgBouncer refuses the others), and nothing session-scoped may
   * run on it (LISTEN, session advisory locks, `set` without `local`).
   */
  pooled: boolean;
  /** The request role's URL straight to PostgreSQL, for LISTEN: DATABASE_DIRECT_URL, else `url`. */
  directUrl: string;
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

/** A refusal to start, in one line for the operator (no stack trace is useful). */
export class DatabaseSetupError extends Error {
  override name = 'DatabaseSetupError';
}

/**
 * Refuses a request URL whose role is too powerful, or whose database lacks migrations: the two
 * mistakes that would otherwise show up as a leak, or as errors on the first requests.
 */
export async function checkRequestDatabase(url: string, variable = 'DATABASE_URL'): Promise<void> {
  // Unprepared: the URL may be a transaction pooler's, which keeps no named statements.
  const sql = postgres(url, { max: 1, prepare: false, onnotice: () => {} });
  try {
    const problem = await requestRoleProblem(sql);
    if (problem) {
      throw new DatabaseSetupError(
        `${variable} connects as ${problem.role}, but ${problem.reason}. Requests must run as a role that owns ` +
          `nothing, is not a superuser and has no BYPASSRLS: connect as ${REQUEST_ROLE} (or a role that is a member ` +
          `of it), and migrate as the owner with MIGRATION_DATABASE_URL (README, "Roles")`,
      );
    }
  } finally {
    await sql.end({ timeout: 2 });
  }
  const pending = await pendingMigrations(url).catch((err: { code?: string; message: string }) => {
    throw err.code === '42501'
      ? new DatabaseSetupError(
          `${variable}'s role may not read graphile_migrate.migrations: either it is not ${REQUEST_ROLE} (nor a member ` +
            `of it), or the database lacks the migrations that grant ${REQUEST_ROLE} its privileges: set ` +
            `MIGRATION_DATABASE_URL to the owner role's URL (README, "Roles")`,
        )
      : err;
  });
  if (pending.length) {
    throw new DatabaseSetupError(
      `the database of ${variable} lacks ${pending.length} migration(s) (${pending[0]}...): set MIGRATION_DATABASE_URL ` +
        `to the owner role's URL, or run \`pg-grind migrate\` with it (README, "Roles")`,
    );
  }
}

export interface OpenOptions {
  /**
   * `request` (the default): the URL is the request role's, checked (checkRequestDatabase).
   * `admin`: for seeding scripts, which write every tenant at once and so need a role that
   * row-level security does not stop: the embedded superuser, or DATABASE_URL as given, unchecked.
   */
  as?: 'request' | 'admin';
}

/** Opens (starting the embedded server if needed), creates and migrates the application database. */
export async function openDatabase(
  log: (message: string) => void = () => {},
  options: OpenOptions = {},
): Promise<OpenDatabase> {
  const admin = options.as === 'admin';
  const given = process.env.DATABASE_URL;
  if (given) {
    const owner = process.env.MIGRATION_DATABASE_URL;
    if (owner) {
      await ensureDatabase(owner);
      await migrateDatabase(owner, log);
    }
    const direct = process.env.DATABASE_DIRECT_URL || undefined;
    if (!admin) {
      await checkRequestDatabase(given);
      // The direct URL serves the same requests' LISTEN: held to the same role rules.
      if (direct) await checkRequestDatabase(direct, 'DATABASE_DIRECT_URL');
    }
    return {
      url: given,
      embedded: false,
      pooled: direct !== undefined,
      directUrl: direct ?? given,
      stop: async () => {},
    };
  }
  const server = await startEmbedded({ dataDir: embeddedDefaults.dataDir(), port: embeddedDefaults.port(), log });
  try {
    const { credentials } = server;
    await provisionRoles(server.url, { owner: credentials.owner, request: credentials.request });
    await provisionDatabase(server.url, 'pggrind');
    const database = withDatabase(server.url, 'pggrind');
    await migrateDatabase(withUser(database, OWNER_ROLE, credentials.owner), log);
    if (admin) return { url: database, embedded: true, pooled: false, directUrl: database, stop: server.stop };
    const url = withUser(database, REQUEST_ROLE, credentials.request);
    await checkRequestDatabase(url, 'the embedded request URL');
    return { url, embedded: true, pooled: false, directUrl: url, stop: server.stop };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
