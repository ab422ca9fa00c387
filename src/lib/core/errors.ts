/**
 * Typed database errors: one class per SQLSTATE family (the table in STYLE.md), plus the few
 * library-level errors every project needs. Nothing here knows about HTTP; `src/http/problem.ts`
 * maps these classes to status codes.
 */

/** What PostgreSQL told us about the failing statement, kept on every mapped error. */
export interface PgErrorFields {
  /** Five-character SQLSTATE, e.g. `23505`. */
  code: string;
  constraint?: string | undefined;
  table?: string | undefined;
  column?: string | undefined;
  schema?: string | undefined;
  detail?: string | undefined;
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
  readonly detail: string | undefined;
  /** The statement that failed (`todo/create_todo`), when it came from a loaded sql/ file. */
  statement: string | undefined;

  constructor(message: string, fields: PgErrorFields, cause?: unknown) {
    super(message, { cause });
    this.code = fields.code;
    this.constraint = fields.constraint;
    this.table = fields.table;
    this.column = fields.column;
    this.schema = fields.schema;
    this.detail = fields.detail;
  }
}

/** 23505: a unique constraint or index refused a duplicate. */
export class UniqueViolation extends DbError { override name = 'UniqueViolation'; }
/** 23P01: an exclusion constraint refused an overlap. */
export class ExclusionViolation extends DbError { override name = 'ExclusionViolation'; }
/** 23503: a foreign key points nowhere (write) or is still referenced (delete). */
export class ForeignKeyViolation extends DbError { override name = 'ForeignKeyViolation'; }
/** 23514: a CHECK constraint refused the row. */
export class CheckViolation extends DbError { override name = 'CheckViolation'; }
/** 23502: a NOT NULL column got null. */
export class NotNullViolation extends DbError { override name = 'NotNullViolation'; }
/** 22P02, 22001, 22003, 22007, 22008, 22021: a value PostgreSQL could not accept as typed. */
export class InvalidInput extends DbError { override name = 'InvalidInput'; }
/** 40001, 40P01 after the retries of `transaction()` ran out. */
export class TransientConflict extends DbError { override name = 'TransientConflict'; }
/** 57014, 08xxx, 53300, 57P01 and connection failures: the database cannot serve now. */
export class Unavailable extends DbError { override name = 'Unavailable'; }

/** `getX` found no row. `entity` names what was looked for. */
export class NotFound extends PgGrindError {
  override name = 'NotFound';
  constructor(readonly entity: string, readonly key?: unknown) {
    super(`${entity} not found`);
  }
}

/**
 * The caller may see the row but not do this to it (a role or ownership rule said no; for RLS,
 * SQLSTATE 42501 from a WITH CHECK). `action` says what was refused, e.g. `delete this task`.
 */
export class Forbidden extends PgGrindError {
  override name = 'Forbidden';
  constructor(readonly action: string) {
    super(`not allowed to ${action}`);
  }
}

/** An optimistic-concurrency check failed: the row changed since the caller read it. */
export class StaleVersion extends PgGrindError {
  override name = 'StaleVersion';
  constructor(readonly entity: string, readonly expected: number, readonly actual: number) {
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

const byCode: Record<string, typeof DbError> = {
  '23505': UniqueViolation,
  '23P01': ExclusionViolation,
  '23503': ForeignKeyViolation,
  '23514': CheckViolation,
  '23502': NotNullViolation,
  '22P02': InvalidInput,
  '22001': InvalidInput,
  '22003': InvalidInput,
  '22007': InvalidInput,
  '22008': InvalidInput,
  // A NUL character in a text value (JSON allows \u0000, PostgreSQL text does not).
  '22021': InvalidInput,
  '40001': TransientConflict,
  '40P01': TransientConflict,
  '57014': Unavailable,
  '53300': Unavailable,
  '57P01': Unavailable,
};

/** Node's socket error codes that mean "no database to talk to". */
const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'CONNECTION_CLOSED',
  'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);

interface DriverError {
  code?: unknown;
  message?: unknown;
  constraint_name?: string;
  table_name?: string;
  column_name?: string;
  schema_name?: string;
  detail?: string;
}

/** True for the SQLSTATEs a retry can cure (serialization failure, deadlock). */
export function isRetryable(err: unknown): boolean {
  const code = err instanceof DbError ? err.code : (err as DriverError | null)?.code;
  return code === '40001' || code === '40P01';
}

/**
 * Turns a postgres.js error into the typed class of the STYLE.md table. Errors that are not
 * database errors, or whose SQLSTATE is not in the table, are returned unchanged. A mapped error
 * keeps `statement`, the name of the statement that failed (never its parameter values).
 */
export function mapDbError(err: unknown, statement?: string): unknown {
  const mapped = mapDriverError(err);
  if (mapped instanceof DbError && statement !== undefined) mapped.statement ??= statement;
  return mapped;
}

function mapDriverError(err: unknown): unknown {
  if (err instanceof PgGrindError || typeof err !== 'object' || err === null) return err;
  const e = err as DriverError;
  if (typeof e.code !== 'string') return err;
  const message = typeof e.message === 'string' ? e.message : 'database error';
  if (connectionCodes.has(e.code)) return new Unavailable(message, { code: '08006' }, err);
  const Class = byCode[e.code] ?? (e.code.startsWith('08') ? Unavailable : undefined);
  if (!Class) return err;
  return new Class(message, {
    code: e.code,
    constraint: e.constraint_name,
    table: e.table_name,
    column: e.column_name,
    schema: e.schema_name,
    detail: e.detail,
  }, err);
}
