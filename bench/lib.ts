/**
 * Shared by every benchmark in bench/: a PostgreSQL server to measure on, fresh migrated databases
 * (created and dropped here, never anyone else's), progress lines, and one report format: a table on
 * stdout plus the same figures as JSON in bench/results/ (git-ignored) with machine and versions.
 *
 * A benchmark is a file bench/<name>.ts that runs on its own (`npm run bench -- <name>`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { embeddedDefaults } from '../src/lib/core/database.js';
import { startEmbedded, type EmbeddedServer } from '../src/lib/core/embedded.js';
import { migrateDatabase, withDatabase } from '../src/lib/core/migrate.js';
import { packageRoot } from '../src/lib/core/paths.js';

export interface BenchServer {
  /** URL of the `postgres` database of the server. */
  url: string;
  version: string;
  stop(): Promise<void>;
}

/** DATABASE_URL's server when set, else an embedded PostgreSQL 18 in .data/bench-pg18. */
export async function benchServer(): Promise<BenchServer> {
  let embedded: EmbeddedServer | undefined;
  let url = process.env.DATABASE_URL ? withDatabase(process.env.DATABASE_URL, 'postgres') : undefined;
  if (!url) {
    embedded = await startEmbedded({
      dataDir: embeddedDefaults.dataDir('bench-pg18'),
      port: Number(process.env.PGGRIND_BENCH_PORT ?? 54331),
      log: (m) => console.error(`[bench] ${m}`),
    });
    url = embedded.url;
  }
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const [row] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
  await sql.end();
  return {
    url,
    version: row?.v ?? '?',
    stop: async () => {
      await embedded?.stop();
    },
  };
}

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A new database named pggrind_bench_<label>_<pid>, migrated unless `migrate: false`. */
export async function freshDatabase(
  server: BenchServer,
  label: string,
  opts: { migrate?: boolean } = {},
): Promise<BenchDatabase> {
  const name = `pggrind_bench_${label}_${process.pid}`;
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  await admin`drop database if exists ${admin(name)} with (force)`;
  await admin`create database ${admin(name)}`;
  const url = withDatabase(server.url, name);
  if (opts.migrate !== false) await migrateDatabase(url);
  return {
    url,
    name,
    drop: async () => {
      await admin`drop database if exists ${admin(name)} with (force)`;
      await admin.end();
    },
  };
}

/** Writes `label: done/total` on one refreshed stderr line (a plain line per call when not a TTY). */
export function progress(label: string, done: number, total: number): void {
  const pct = total ? Math.floor((done / total) * 100) : 100;
  const width = 30;
  const bar = '#'.repeat(Math.round((pct / 100) * width)).padEnd(width, '.');
  const line = `${label} [${bar}] ${pct}% (${done}/${total})`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${done >= total ? '\n' : ''}`);
  else if (done >= total || done === 0) process.stderr.write(`${line}\n`);
}

export type Row = Record<string, string | number | null>;

/** Formats rows as an aligned text table. */
export function table(rows: Row[]): string {
  if (!rows.length) return '(no rows)';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) =>
    v === null || v === undefined
      ? ''
      : typeof v === 'number'
        ? Number.isInteger(v)
          ? v.toLocaleString('en-US')
          : v.toFixed(2)
        : String(v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    vals.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [
    line(cols),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join('\n');
}

/** Prints the table and writes bench/results/<name>-<timestamp>.json with the environment. */
export function report(name: string, server: BenchServer, rows: Row[], notes: Record<string, unknown> = {}): void {
  console.log(
    `\n== ${name} (PostgreSQL ${server.version}, Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'})`,
  );
  console.log(table(rows));
  const dir = path.join(packageRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        name,
        at: new Date().toISOString(),
        rows,
        notes,
        machine: {
          cpus: os.cpus().length,
          cpu: os.cpus()[0]?.model,
          memoryGiB: Math.round(os.totalmem() / 2 ** 30),
          platform: `${os.platform()}-${os.arch()}`,
        },
        node: process.version,
        postgres: server.version,
      },
      null,
      2,
    ),
  );
  console.log(`(figures also in ${path.relative(packageRoot, file)})`);
}
