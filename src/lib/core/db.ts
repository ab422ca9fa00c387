/**
 * The database runtime every pg-grind library shares: the `Db` type, the SQL-file loader,
 * `one` / `maybeOne` / `many` / `exec`, and a transaction helper that retries serialization
 * failures and deadlocks. This file is the only place that calls `sql.unsafe`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { isRetryable, mapDbError, NotFound, TooManyRows, TransientConflict } from './errors.js';
import { packageRoot } from './paths.js';

/** A pool (`Sql`) or a transaction (`TransactionSql`): every library function takes one of these. */
export type Db = postgres.Sql | postgres.TransactionSql;
/** The pool type: what `connect()` returns and `transaction()` needs. */
export type Pool = postgres.Sql;
/** Positional parameters `$1..$n`, in order. */
export type Params = readonly unknown[];

export interface ConnectOptions {
  /**
   * Pool size, default 10. Aim at about twice the database server's cores: in `npm run bench:http`
   * on 2 cores, 20 cost up to 1.8 times the backend CPU per read of 10, and 4 some 10-30% less than 10
   * with no throughput or latency difference to see (README, "Performance").
   */
  max?: number;
  /**
   * postgres.js prepared statements (named, per connection), default on: without them the backends
   * spent 1.1 (inserts) to 4.7 (point reads) times the CPU per request in `npm run bench:http`.
   * Off only behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
   */
  prepare?: boolean;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** Extra postgres.js options, passed through. */
  options?: postgres.Options<Record<string, postgres.PostgresType>>;
}

/**
 * Opens a postgres.js pool. bigint and numeric come back as strings (exact, and what the
 * Zapatos types say); timestamptz as Date; json/jsonb parsed.
 */
export function connect(url: string, opts: ConnectOptions = {}): Pool {
  return postgres(url, {
    max: opts.max ?? 10,
    prepare: opts.prepare ?? true,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: opts.applicationName ?? 'pg-grind' },
    ...opts.options,
  });
}

/**
 * Reads `sql/<project>/<name>.sql` for each name, once, at import time: a missing file fails the
 * process at start-up rather than on the first request that needs it.
 */
export function loadSql<const N extends string>(project: string, names: readonly N[]): Record<N, string> {
  const out = {} as Record<N, string>;
  for (const name of names) {
    const file = path.join(packageRoot, 'sql', project, `${name}.sql`);
    out[name] = readFileSync(file, 'utf8');
  }
  return out;
}

/** Runs one statement with bound parameters; database errors come out mapped (see errors.ts). */
async function run<T>(db: Db, text: string, params: Params): Promise<T[]> {
  try {
    // The one sql.unsafe of the code base: `text` always comes from a file under sql/, and
    // every value travels as a bound parameter.
    const rows = await db.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true });
    return rows as unknown as T[];
  } catch (err) {
    throw mapDbError(err);
  }
}

/** All rows. */
export function many<T>(db: Db, text: string, params: Params = []): Promise<T[]> {
  return run<T>(db, text, params);
}

/** The single row, or undefined when there is none. Throws TooManyRows if the statement returned several. */
export async function maybeOne<T>(db: Db, text: string, params: Params = [], statement?: string): Promise<T | undefined> {
  const rows = await run<T>(db, text, params);
  if (rows.length > 1) throw new TooManyRows(rows.length, statement);
  return rows[0];
}

/** Exactly one row; `NotFound(entity)` when there is none, TooManyRows when there are several. */
export async function one<T>(db: Db, text: string, params: Params = [], entity = 'row', statement?: string): Promise<T> {
  const row = await maybeOne<T>(db, text, params, statement);
  if (row === undefined) throw new NotFound(entity, statement);
  return row;
}

/** Runs a statement for its effect; returns the affected row count. */
export async function exec(db: Db, text: string, params: Params = []): Promise<number> {
  try {
    const result = await db.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true });
    return result.count;
  } catch (err) {
    throw mapDbError(err);
  }
}

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  isolation?: IsolationLevel;
  readOnly?: boolean;
  /** Attempts in all, including the first. Default 5. */
  maxAttempts?: number;
  /** Upper bound of the first backoff, doubled per attempt (full jitter). Default 10 ms. */
  baseDelayMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isTransaction(db: Db): db is postgres.TransactionSql {
  return typeof (db as postgres.TransactionSql).savepoint === 'function';
}

/**
 * Runs `fn` in a transaction and returns its result. On 40001 (serialization failure) or 40P01
 * (deadlock) the whole function runs again, up to `maxAttempts`, after a random delay in
 * [0, base * 2^attempt) capped at 1 s; then `TransientConflict` escapes. `fn` must therefore be
 * safe to re-run: no side effects outside the transaction. Given a transaction, it opens a
 * savepoint instead and does not retry (the outer transaction owns the retry).
 */
export async function transaction<T>(
  db: Db,
  fn: (tx: postgres.TransactionSql) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  if (isTransaction(db)) {
    try {
      return (await db.savepoint((tx) => fn(tx))) as T;
    } catch (err) {
      throw mapDbError(err);
    }
  }
  const mode = [opts.isolation && `isolation level ${opts.isolation}`, opts.readOnly && 'read only']
    .filter(Boolean).join(' ');
  const maxAttempts = opts.maxAttempts ?? 5;
  const base = opts.baseDelayMs ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      return (await (mode ? db.begin(mode, (tx) => fn(tx)) : db.begin((tx) => fn(tx)))) as T;
    } catch (err) {
      const mapped = mapDbError(err);
      if (!isRetryable(mapped)) throw mapped;
      if (attempt >= maxAttempts) {
        throw mapped instanceof TransientConflict ? mapped : new TransientConflict('transaction kept conflicting', { code: '40001' }, err);
      }
      await sleep(Math.random() * Math.min(1000, base * 2 ** attempt));
    }
  }
}
