/**
 * Typed database errors: one class per failure condition (the table in STYLE.md), the registry
 * from SQLSTATE to class that `mapDbError` reads, and the few library-level errors every project
 * needs. A project adds its own SQLSTATEs with `registerSqlState` in its own folder (booking:
 * src/lib/booking/errors.ts). Nothing here knows about HTTP; `src/http/core/problem.ts` maps these
 * classes to problem details.
 *
 * Errors carry which statement failed (the SQL file's name, `todo/create_todo`), never the values
 * bound to it: messages are built from the SQLSTATE, the constraint and the statement name, and
 * PostgreSQL's own message and DETAIL (which quote values: `Key (email)=(a@b.c) already exists`)
 * stay on `cause`, the driver's error, which never leaves the server.
 */

/** What PostgreSQL told us about the failing statement, kept on every mapped error. */
export interface PgErrorFields {
  /** Five-character SQLSTATE, e.g. `23505`. */
  code: string;
  constraint?: string | undefined;
  table?: string | undefined;
  column?: string | undefined;
  schema?: string | undefined;
  /** The statement that failed, as `<project>/<file name>` (`booking/transition_booking`). */
  statement?: string | undefined;
}

/**
 * A postgres.js error as it arrives, declared once: a PostgreSQL error (`code` a SQLSTATE, the
 * `*_name` fields from the ErrorResponse) or a connection failure (`code` e.g. `ECONNRESET`).
 */
export interface DriverError {
  code?: unknown;
  message?: unknown;
  constraint_name?: string;
  table_name?: string;
  column_name?: string;
  schema_name?: string;
}

/** Base class of every error a pg-grind library throws on purpose. */
export class PgGrindError extends Error {
  override name = 'PgGrindError';
}

/** A mapped PostgreSQL error. `cause` is the original driver error. */
export class DbError extends PgGrindError {
  override name = 'DbError';
  readonly code: string;
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  readonly schema: string | undefined;
  /** The statement that failed (`todo/create_todo`), when the caller named it. */
  readonly statement: string | undefined;

  constructor(message: string, fields: PgErrorFields, cause?: unknown) {
    super(message, { cause });
    this.code = fields.code;
    this.constraint = fields.constraint;
    this.table = fields.table;
    this.column = fields.column;
    this.schema = fields.schema;
    this.statement = fields.statement;
  }
}

/** 23505: a unique constraint or index refused a duplicate. */
export class UniqueViolation extends DbError {
  override name = 'UniqueViolation';
}
/** 23P01: an exclusion constraint refused an overlap. */
export class ExclusionViolation extends DbError {
  override name = 'ExclusionViolation';
}
/** 23503: a foreign key points nowhere (write) or is still referenced (delete). */
export class ForeignKeyViolation extends DbError {
  override name = 'ForeignKeyViolation';
}
/** 23514: a CHECK constraint refused the row. */
export class CheckViolation extends DbError {
  override name = 'CheckViolation';
}
/** 23502: a NOT NULL column got null. */
export class NotNullViolation extends DbError {
  override name = 'NotNullViolation';
}
/** 22P02, 22001, 22003, 22007, 22008, 22021: a value PostgreSQL could not accept as typed. */
export class InvalidInput extends DbError {
  override name = 'InvalidInput';
}
/** 40001, 40P01 after the retries of `transaction()` ran out. */
export class TransientConflict extends DbError {
  override name = 'TransientConflict';
}
/**
 * The database cannot serve now (53300 too many connections, and the base of the three below):
 * `instanceof Unavailable` is the one test a caller that only wants "503, try later" needs.
 */
export class Unavailable extends DbError {
  override name = 'Unavailable';
}
/**
 * 57014: the statement was cancelled, by statement_timeout or by pg_cancel_backend (PostgreSQL
 * gives both one SQLSTATE). The connection is fine; the same statement may well time out again.
 */
export class StatementTimeout extends Unavailable {
  override name = 'StatementTimeout';
}
/**
 * 57P01 admin_shutdown (pg_terminate_backend, a fast shutdown) and 57P02 crash_shutdown (another
 * backend crashed): the server ended this session. Unlike a timeout, a retry on a new connection
 * usually succeeds once the server is back.
 */
export class BackendTerminated extends Unavailable {
  override name = 'BackendTerminated';
}
/**
 * 08xxx, 57P03 cannot_connect_now (starting up, shutting down, in recovery) and the driver's
 * socket failures (refused, reset, timed out): no usable connection to the database. The driver's
 * own codes are reported as 08006 (connection_failure).
 */
export class ConnectionLost extends Unavailable {
  override name = 'ConnectionLost';
}

/**
 * `getX` found no row. `entity` names what was looked for; the key that was looked up is not kept
 * (it is a parameter value), `statement` names the statement when known.
 */
export class NotFound extends PgGrindError {
  override name = 'NotFound';
  constructor(
    readonly entity: string,
    readonly statement?: string,
  ) {
    super(`${entity} not found`);
  }
}

/**
 * The caller may see the row but not do this to it (a role or ownership rule said no; for RLS,
 * SQLSTATE 42501 from a WITH CHECK). `action` says what was refused, e.g. `delete this task`;
 * `entity` what it was refused on, when one row was (`task`).
 */
export class Forbidden extends PgGrindError {
  override name = 'Forbidden';
  constructor(
    readonly action: string,
    readonly entity?: string,
  ) {
    super(`not allowed to ${action}`);
  }
}

/**
 * `maybeOne` / `one` got several rows from a statement that should return at most one: a bug in
 * the statement (a missing key condition, a join that fans out), never the caller's fault.
 */
export class TooManyRows extends PgGrindError {
  override name = 'TooManyRows';
  constructor(
    readonly rows: number,
    readonly statement?: string,
  ) {
    super(`expected at most one row${statement ? ` from ${statement}` : ''}, got ${rows}`);
  }
}

/** An optimistic-concurrency check failed: the row changed since the caller read it. */
export class StaleVersion extends PgGrindError {
  override name = 'StaleVersion';
  constructor(
    readonly entity: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`${entity} is at version ${actual}, not ${expected}`);
  }
}

/** A pagination cursor that this library did not issue (or that was tampered with). */
export class InvalidCursor extends PgGrindError {
  override name = 'InvalidCursor';
  constructor() {
    super('cursor is not valid');
  }
}

/**
 * The one rule for "missing -> NotFound, present but not yours -> Forbidden". `row` is what a
 * statement returned: `undefined` (no row) means there is no such `entity` the caller can see.
 * A statement that also tells "present but not yours" returns one row with a boolean `allowed`
 * (ownership, role or row-level security said yes); one whose target can vanish between that check
 * and the write adds a boolean `done` (the write happened). `allowed = false` throws `refuse` (a
 * `Forbidden` of that action, or the error it returns); `done = false` throws NotFound. Returns
 * the row without the two flags.
 */
export function found<T>(
  row: T | undefined | null,
  entity: string,
  refuse?: string | (() => Forbidden),
): Omit<T, 'allowed' | 'done'> {
  if (row == null) throw new NotFound(entity);
  const { allowed, done, ...rest } = row as T & { allowed?: unknown; done?: unknown };
  if (allowed === false) {
    throw typeof refuse === 'function' ? refuse() : new Forbidden(refuse ?? `change this ${entity}`, entity);
  }
  if (done === false) throw new NotFound(entity);
  return rest as Omit<T, 'allowed' | 'done'>;
}

// ---------------------------------------------------------------------------------------------
// SQLSTATE -> class

/** A class `mapDbError` can build: message, fields, the driver error. */
export type DbErrorClass = new (message: string, fields: PgErrorFields, cause?: unknown) => DbError;

const bySqlState = new Map<string, DbErrorClass>();

/**
 * Makes `mapDbError` turn SQLSTATE `code` into `Class`. `code` is five characters, or two for a
 * whole SQLSTATE class (`08`: every connection exception) that an exact code overrides. Call it
 * at import time of the module that declares the class, so that importing the library is enough.
 * Registering a code twice with different classes throws: two projects must not give one
 * SQLSTATE two meanings (pick a project prefix for custom codes, e.g. booking's `BK`).
 */
export function registerSqlState(code: string, Class: DbErrorClass): void {
  if (!/^[0-9A-Z]{2}(?:[0-9A-Z]{3})?$/.test(code)) throw new RangeError(`not a SQLSTATE or SQLSTATE class: ${code}`);
  const known = bySqlState.get(code);
  if (known && known !== Class) throw new Error(`SQLSTATE ${code} is already registered to ${known.name}`);
  bySqlState.set(code, Class);
}

/** Every registered SQLSTATE (or two-character class) and its class, core and projects alike. */
export function registeredSqlStates(): ReadonlyMap<string, DbErrorClass> {
  return bySqlState;
}

/** The class of a SQLSTATE: its own entry, else its class's, else undefined. */
export function classOfSqlState(code: string): DbErrorClass | undefined {
  return bySqlState.get(code) ?? bySqlState.get(code.slice(0, 2));
}

registerSqlState('23505', UniqueViolation);
registerSqlState('23P01', ExclusionViolation);
registerSqlState('23503', ForeignKeyViolation);
registerSqlState('23514', CheckViolation);
registerSqlState('23502', NotNullViolation);
for (const code of ['22P02', '22001', '22003', '22007', '22008']) registerSqlState(code, InvalidInput);
// A NUL character in a text value (JSON allows \u0000, PostgreSQL text does not).
registerSqlState('22021', InvalidInput);
registerSqlState('40001', TransientConflict);
registerSqlState('40P01', TransientConflict);
registerSqlState('53300', Unavailable);
registerSqlState('57014', StatementTimeout);
registerSqlState('57P01', BackendTerminated);
registerSqlState('57P02', BackendTerminated);
registerSqlState('57P03', ConnectionLost);
registerSqlState('08', ConnectionLost);

/** postgres.js' and Node's codes for "no connection to talk over", reported as 08006. */
export const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/** The SQLSTATE and named fields of a driver error, or undefined when `err` is not one. */
export function driverFields(err: unknown): PgErrorFields | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as DriverError;
  if (typeof e.code !== 'string') return undefined;
  return {
    code: e.code,
    constraint: e.constraint_name,
    table: e.table_name,
    column: e.column_name,
    schema: e.schema_name,
  };
}

/** True for the SQLSTATEs a retry can cure (serialization failure, deadlock). */
export function isRetryable(err: unknown): boolean {
  const code = err instanceof DbError ? err.code : (err as DriverError | null)?.code;
  return code === '40001' || code === '40P01';
}

/**
 * Turns a postgres.js error into its registered class, naming `statement` (`todo/create_todo`)
 * when given. Errors that are not database errors, or whose SQLSTATE nobody registered, are
 * returned as they are (they are the 500s), a database error with `statement` set on it, so that
 * the log of a 500 still says which statement failed. The message is `<class> (<SQLSTATE>) [on
 * <constraint>] [in <statement>]`: PostgreSQL's own text can quote the values, so it stays on
 * `cause` only.
 */
export function mapDbError(err: unknown, statement?: string): unknown {
  if (err instanceof PgGrindError) return err;
  const fields = driverFields(err);
  if (!fields) return err;
  const lost = CONNECTION_ERROR_CODES.has(fields.code);
  const Class = lost ? ConnectionLost : classOfSqlState(fields.code);
  if (!Class) {
    const raw = err as { statement?: unknown };
    if (statement && raw.statement === undefined) raw.statement = statement;
    return err;
  }
  const f: PgErrorFields = lost ? { code: '08006', statement } : { ...fields, statement };
  const where = `${f.constraint ? ` on ${f.constraint}` : ''}${statement ? ` in ${statement}` : ''}`;
  return new Class(`${Class.name} (${lost ? fields.code : f.code})${where}`, f, err);
}
