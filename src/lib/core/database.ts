/**
 * Finds the database a pg-grind process should use and brings it up to date:
 * `DATABASE_URL` when set, else the embedded PostgreSQL 18 under `.data/`.
 */
import path from 'node:path';
import { startEmbedded } from './embedded.js';
import { ensureDatabase, migrateDatabase, withDatabase } from './migrate.js';
import { packageRoot } from './paths.js';

export interface OpenDatabase {
  /** Connection URL of the migrated application database. */
  url: string;
  /** True when the embedded server is in use. */
  embedded: boolean;
  /** Leaves the embedded server, stopping it unless other processes still use it (no-op for DATABASE_URL). */
  stop(): Promise<void>;
}

/** Default data directory and port of the embedded server (override: PGGRIND_DATA_DIR, PGGRIND_EMBEDDED_PORT). */
export const embeddedDefaults = {
  /** `.data/<cluster>` (or under PGGRIND_DATA_DIR): `pg18` for the server, `test-pg18`, `bench-pg18`. */
  dataDir: (cluster = 'pg18') => path.join(process.env.PGGRIND_DATA_DIR ?? path.join(packageRoot, '.data'), cluster),
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
