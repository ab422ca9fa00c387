/**
 * Database creation and migration at start-up: graphile-migrate's committed chain in `migrations/`,
 * applied programmatically (what `graphile-migrate migrate` does, without its CLI).
 */
import { Logger } from '@graphile/logger';
import { migrate } from 'graphile-migrate';
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

/** Creates the database `url` names when it does not exist yet (through the `postgres` database). */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const admin = postgres(withDatabase(url, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!found) await admin`create database ${admin(name)}`.catch((err: { code?: string }) => {
      if (err.code !== '42P04') throw err; // created meanwhile by a concurrent start
    });
  } finally {
    await admin.end({ timeout: 2 });
  }
}

/** Applies every committed migration not yet applied to the database at `url`. */
export async function migrateDatabase(url: string, log: (message: string) => void = () => {}): Promise<void> {
  const logger = new Logger(() => (level, message) => {
    if (level === 'error' || level === 'warning') log(`graphile-migrate ${level}: ${message}`);
  });
  try {
    await migrate({
      connectionString: url,
      migrationsFolder: path.join(packageRoot, 'migrations'),
      manageGraphileMigrateSchema: true,
      logger,
    });
  } finally {
    // graphile-migrate keeps its pg pool for 200 ms after use, and that pool's error handler exits
    // the process: let it close before anyone (our own clean-up after a failure included) drops,
    // terminates or stops this database.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
