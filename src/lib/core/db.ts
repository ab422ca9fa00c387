/**
 * The database runtime every pg-grind library shares: the `Db` type, the SQL-file loader,
 * `one` / `maybeOne` / `many` / `exec`, and a transaction helper that retries serialization
 * failures and deadlocks. This file is the only place that calls `sql.unsafe`.
 */
// postgres.js's declarations (Db, and Buffer in generated rows) use Node's types without
// referencing them; this keeps the emitted .d.ts complete for a consumer's tsc.
/// <reference types="node" preserve="true" />
import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import type { SqlStatements } from '../generated/sql/index.js';
import { ConnectionLost, isRetryable, mapDbError, NotFound, TooManyRows, TransientConflict } from './errors.js';
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
   * with no throughput or latency difference to see (docs/performance.md).
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
  /**
   * `statement_timeout` of every session, ms; absent or 0: the server's setting. A statement over
   * it fails with 57014 (`StatementTimeout`). For pools that serve requests, not for long jobs.
   */
  statementTimeoutMs?: number;
  /**
   * `idle_in_transaction_session_timeout`, ms; absent or 0: the server's setting. PostgreSQL ends a
   * session that sits this long inside a transaction (holding its locks, and its snapshot from vacuum).
   */
  idleInTransactionTimeoutMs?: number;
  /** Extra postgres.js options, passed through; their `connection` parameters add to ours. */
  options?: postgres.Options<Record<string, postgres.PostgresType>>;
}

/**
 * Opens a postgres.js pool. bigint and numeric come back as strings (exact, and what the
 * Zapatos types say); timestamptz as Date; json/jsonb parsed.
 */
export function connect(url: string, opts: ConnectOptions = {}): Pool {
  const { connection, ...options } = opts.options ?? {};
  // Startup parameters: set once per session at connect, no extra round trip per request.
  const limits: Record<string, string> = {};
  if (opts.statementTimeoutMs) limits.statement_timeout = String(opts.statementTimeoutMs);
  if (opts.idleInTransactionTimeoutMs) {
    limits.idle_in_transaction_session_timeout = String(opts.idleInTransactionTimeoutMs);
  }
  return postgres(url, {
    max: opts.max ?? 10,
    prepare: opts.prepare ?? true,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    ...options,
    connection: { application_name: opts.applicationName ?? 'pg-grind', ...limits, ...connection },
  });
}

declare const types: unique symbol;

/**
 * One statement of `sql/<project>/<name>.sql`: its name (`todo/create_todo`, carried by the
 * errors it raises, never with the values) and its text. `P` (the `$1..$n` tuple) and `R` (a result
 * row) exist only for the compiler: `many` / `maybeOne` / `one` / `exec` take them from here, so
 * a call with the wrong parameters, or code reading a column the statement does not return, does
 * not compile. The types are generated from the statement itself (`npm run generate`). A bare
 * `Statement` is any statement.
 */
export interface Statement<P extends readonly unknown[] = never, R = unknown> {
  readonly name: string;
  readonly text: string;
  /** Never set. Parameters sit in a function argument so that a statement accepting `T | null`
   * also serves where callers promise `T` (contravariance); rows are plainly covariant. */
  readonly [types]?: { params: (params: P) => void; row: R };
}

/** The parameter tuple of a statement. */
export type ParamsOf<S> = S extends Statement<infer P, unknown> ? P : never;
/** The result row of a statement. */
export type RowOf<S> = S extends Statement<never, infer R> ? R : never;

type Generated<Pr extends keyof SqlStatements, N extends keyof SqlStatements[Pr]> = SqlStatements[Pr][N] extends {
  params: infer P extends readonly unknown[];
  row: infer R;
}
  ? Statement<P, R>
  : never;

/**
 * Reads `sql/<project>/<name>.sql` for each name, once, at import time: a missing file fails the
 * process at start-up rather than on the first request that needs it. Each statement is typed by
 * src/lib/generated/sql/ (a name without generated types does not compile).
 */
export function loadSql<Pr extends keyof SqlStatements, const N extends keyof SqlStatements[Pr] & string>(
  project: Pr,
  names: readonly N[],
): { readonly [K in N]: Generated<Pr, K> } {
  const out: Record<string, Statement> = {};
  for (const name of names) {
    const file = path.join(packageRoot, 'sql', project, `${name}.sql`);
    out[name] = Object.freeze({ name: `${project}/${name}`, text: readFileSync(file, 'utf8') });
  }
  return out as { readonly [K in N]: Generated<Pr, K> };
}

/** The parameters argument: optional for a statement without any. */
type ParamsArg<P extends readonly unknown[]> = [] extends P ? [params?: NoInfer<P>] : [params: NoInfer<P>];

/**
 * Transactions (and their savepoints) whose session the server ended under them, e.g. by
 * idle_in_transaction_session_timeout. postgres.js 3.4.9 keeps sending on such a transaction: a
 * write after the close throws from a timer (an uncaught TypeError that ends the process), or,
 * once the pool has reconnected that connection, runs outside any transaction on the new session
 * (porsager/postgres#1208, #1216). `run` refuses them, and `transaction()` never lets postgres.js
 * send their COMMIT or ROLLBACK.
 */
const lost = new WeakSet<object>();
/** The outermost transaction of each savepoint opened through `transaction()`. */
const rootOf = new WeakMap<object, object>();

/** Runs one statement with bound parameters; database errors come out mapped (see errors.ts), naming the statement. */
async function run(db: Db, statement: Statement, params: Params) {
  if (lost.has(rootOf.get(db) ?? db)) {
    throw new ConnectionLost(`ConnectionLost (its transaction's session ended) in ${statement.name}`, {
      code: '08006',
      statement: statement.name,
    });
  }
  try {
    // The one sql.unsafe of the code base: the text always comes from a file under sql/, and
    // every value travels as a bound parameter.
    return await db.unsafe(statement.text, params as postgres.ParameterOrJSON<never>[], { prepare: true });
  } catch (err) {
    throw mapDbError(err, statement.name);
  }
}

/** All rows. */
export async function many<P extends readonly unknown[], R>(
  db: Db,
  statement: Statement<P, R>,
  ...[params]: ParamsArg<P>
): Promise<R[]> {
  return (await run(db, statement, params ?? [])) as unknown as R[];
}

/** The single row of `rows`; TooManyRows (naming the statement) when there are several. */
function atMostOne<R>(rows: readonly R[], statement: Statement): R | undefined {
  if (rows.length > 1) throw new TooManyRows(rows.length, statement.name);
  return rows[0];
}

/** The single row, or undefined when there is none. Throws TooManyRows if the statement returned several. */
export async function maybeOne<P extends readonly unknown[], R>(
  db: Db,
  statement: Statement<P, R>,
  ...[params]: ParamsArg<P>
): Promise<R | undefined> {
  return atMostOne((await run(db, statement, params ?? [])) as unknown as R[], statement);
}

/** Exactly one row; `NotFound(entity)` when there is none, TooManyRows when there are several. */
export async function one<P extends readonly unknown[], R>(
  db: Db,
  statement: Statement<P, R>,
  params: NoInfer<P>,
  entity = 'row',
): Promise<R> {
  const row = atMostOne((await run(db, statement, params)) as unknown as R[], statement);
  if (row === undefined) throw new NotFound(entity, statement.name);
  return row;
}

/** Runs a statement for its effect; returns the affected row count. */
export async function exec<P extends readonly unknown[]>(
  db: Db,
  statement: Statement<P, unknown>,
  ...[params]: ParamsArg<P>
): Promise<number> {
  return (await run(db, statement, params ?? [])).count;
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

/** True when `db` is a transaction (or savepoint) rather than the pool. */
export function isTransaction(db: Db): db is postgres.TransactionSql {
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
    const root = rootOf.get(db) ?? db;
    try {
      return (await db.savepoint((tx) => {
        rootOf.set(tx, root);
        return fn(tx);
      })) as T;
    } catch (err) {
      throw mapDbError(err);
    }
  }
  const mode = [opts.isolation && `isolation level ${opts.isolation}`, opts.readOnly && 'read only']
    .filter(Boolean)
    .join(' ');
  const maxAttempts = opts.maxAttempts ?? 5;
  const base = opts.baseDelayMs ?? 10;
  for (let attempt = 1; ; attempt++) {
    let session: postgres.TransactionSql | undefined;
    // Once the session is gone, `fn`'s outcome must not reach postgres.js (it would write COMMIT
    // or ROLLBACK to the dead connection): the callback then never settles, and is collected.
    const body = async (tx: postgres.TransactionSql) => {
      session = tx;
      try {
        const result = await fn(tx);
        if (lost.has(tx)) await new Promise<never>(() => {});
        return result;
      } catch (err) {
        if (lost.has(tx)) await new Promise<never>(() => {});
        throw err;
      }
    };
    try {
      return (await (mode ? db.begin(mode, body) : db.begin(body))) as T;
    } catch (err) {
      const mapped = mapDbError(err);
      if (session && mapped instanceof ConnectionLost) lost.add(session);
      if (!isRetryable(mapped)) throw mapped;
      if (attempt >= maxAttempts) {
        throw mapped instanceof TransientConflict
          ? mapped
          : new TransientConflict('transaction kept conflicting', { code: '40001' }, err);
      }
      await sleep(Math.random() * Math.min(1000, base * 2 ** attempt));
    }
  }
}
