/**
 * Database creation and migration: graphile-migrate's committed chain in the package's own
 * `migrations/`, applied programmatically (what `graphile-migrate migrate` does, without its CLI and
 * without a `.gmrc`, so it works from any folder: `npm start`, `pg-grind migrate`, `migrate()`).
 */
import { Logger } from '@graphile/logger';
import { migrate as graphileMigrate } from 'graphile-migrate';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';
import { packageRoot } from './paths.js';

/** `url` with its database name replaced by `name`. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

/** The database name in a connection URL. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres';
}

/**
 * Creates the database `url` names when it does not exist yet (through the `postgres` database);
 * true when this call created it.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  const admin = postgres(withDatabase(url, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${name}`;
    if (found) return false;
    return await admin`create database ${admin(name)}`.then(
      () => true,
      (err: { code?: string }) => {
        // created meanwhile by a concurrent start: 42P04, or 23505 when both inserted into pg_database at once
        if (err.code !== '42P04' && err.code !== '23505') throw err;
        return false;
      },
    );
  } finally {
    await admin.end({ timeout: 2 });
  }
}

/**
 * Applies every committed migration not yet applied to the database at `url`. A run that overlaps
 * another (two servers started at once) waits for it, then finds nothing left to apply.
 */
export async function migrateDatabase(url: string, log: (message: string) => void = () => {}): Promise<void> {
  const logger = new Logger(() => (level, message) => {
    if (level === 'error' || level === 'warning') log(`graphile-migrate ${level}: ${message}`);
  });
  // graphile-migrate takes its advisory lock with a try-lock and fails when another run holds it.
  // Our own session lock, taken first and waited for, queues concurrent runs instead; it is per
  // database (advisory locks are), and it goes with the session if this process dies.
  const lock = postgres(url, { max: 1, max_lifetime: 0, onnotice: () => {} }); // 0: the session lives as long as the run
  try {
    await lock`select pg_advisory_lock(hashtext('pg-grind.migrate'))`;
    await graphileMigrate({
      connectionString: url,
      migrationsFolder: path.join(packageRoot, 'migrations'),
      manageGraphileMigrateSchema: true,
      logger,
    });
  } finally {
    await lock.end({ timeout: 2 });
    // graphile-migrate keeps its pg pool for 200 ms after use, and that pool's error handler exits
    // the process: let it close before anyone (our own clean-up after a failure included) drops,
    // terminates or stops this database.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface MigrateOptions {
  /**
   * Create the database first when it does not exist (default true). Creating connects to the
   * server's `postgres` database and needs CREATEDB; turn it off where the database is provisioned
   * for you and that database is out of reach.
   */
  createDatabase?: boolean;
  /** Receives graphile-migrate's warnings and errors, one line each (default: dropped). */
  log?: (message: string) => void;
}

export interface MigrateResult {
  /** True when the database did not exist and was created. */
  created: boolean;
  /** File names of the migrations this call applied, in order (empty when already up to date). */
  applied: string[];
  /** File name of the latest migration now applied. */
  current: string | undefined;
}

const committedFolder = path.join(packageRoot, 'migrations', 'committed');

/**
 * Committed migrations already applied to the database at `url`, oldest first (none before the
 * first run), by file name: graphile-migrate records `000006.sql` for `000006-some-message.sql`.
 */
async function appliedMigrations(url: string): Promise<string[]> {
  const files = await readdir(committedFolder);
  // Unprepared: the server checks DATABASE_URL with it, which may be a transaction pooler's.
  const sql = postgres(url, { max: 1, prepare: false, onnotice: () => {} });
  try {
    const rows = await sql<{ filename: string }[]>`select filename from graphile_migrate.migrations order by filename`;
    return rows.map(({ filename }) => {
      const stem = filename.replace(/\.sql$/, '');
      return files.find((f) => f.startsWith(`${stem}-`)) ?? filename;
    });
  } catch (err) {
    // 3F000 / 42P01: no graphile_migrate schema or table yet, so nothing was ever applied.
    if (['3F000', '42P01'].includes((err as { code?: string }).code ?? '')) return [];
    throw err;
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/**
 * Committed migrations not yet applied to the database at `url`, oldest first: what a server that
 * may not migrate (it runs as the request role) checks before serving.
 */
export async function pendingMigrations(url: string): Promise<string[]> {
  const files = (await readdir(committedFolder)).filter((f) => f.endsWith('.sql')).sort();
  const applied = await appliedMigrations(url);
  return files.slice(applied.length);
}

/**
 * Brings the database at `url` up to date with pg-grind's schema (every project's): creates it when
 * missing, applies the committed migrations it lacks, each in its own transaction. Meant for every
 * deploy: a second run applies nothing; a run that overlaps another waits for it, then applies what is
 * left (usually nothing) instead of applying twice. Connection and SQL errors escape.
 */
export async function migrate(url: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const created = options.createDatabase === false ? false : await ensureDatabase(url);
  const before = await appliedMigrations(url);
  await migrateDatabase(url, options.log);
  const after = await appliedMigrations(url);
  return { created, applied: after.slice(before.length), current: after.at(-1) };
}
