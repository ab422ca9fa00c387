/**
 * Errors on the wire: RFC 9457 `application/problem+json`. `toProblem` maps every error class the
 * libraries throw (STYLE.md table) to a status and body; `problemHandler` is the app's one error handler.
 */
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import {
  CheckViolation, DbError, ExclusionViolation, Forbidden, ForeignKeyViolation, InvalidCursor, InvalidInput, NotFound,
  NotNullViolation, PgGrindError, StaleVersion, TransientConflict, UniqueViolation, Unavailable,
} from '../../lib/core/errors.js';
import { IdempotencyKeyReused } from '../../lib/core/idempotency.js';

/** One offending input: where it was (`body`, `query`, `path`, `header`), which field, and why. */
export interface FieldIssue {
  in: 'body' | 'query' | 'path' | 'header';
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** Validation problems: every offending field. */
  errors?: FieldIssue[];
  /** The database constraint that refused the write, when one did. */
  constraint?: string;
}

/** An error that already knows its HTTP status (thrown by routers, never by libraries). */
export class HttpError extends Error {
  constructor(readonly status: number, readonly title: string, detail?: string,
    readonly extra: Partial<Problem> = {}, readonly headers: Record<string, string> = {}) {
    super(detail ?? title);
  }
}

/** 400 with the list of offending fields. */
export class ValidationFailed extends HttpError {
  constructor(readonly issues: FieldIssue[]) {
    super(400, 'Invalid request', issues.map((i) => `${i.in} ${i.field}: ${i.message}`).join('; '), { errors: issues });
  }
}

/** What a constraint means to an API client: the field it guards and a sentence. */
export interface ConstraintMeaning { field: string; message: string }

const constraintMeanings = new Map<string, ConstraintMeaning>();

/**
 * Registers what a named constraint means, so a violation is reported against the field it guards.
 * Key: `schema.constraint` (constraint names are unique per schema, not per database).
 */
export function explainConstraint(schema: string, constraint: string, meaning: ConstraintMeaning): void {
  constraintMeanings.set(`${schema}.${constraint}`, meaning);
}

function dbProblem(err: DbError, status: number, title: string): { status: number; problem: Problem } {
  const meaning = err.constraint ? constraintMeanings.get(`${err.schema}.${err.constraint}`) : undefined;
  const problem: Problem = { type: 'about:blank', title, status, detail: meaning?.message ?? title };
  if (err.constraint) problem.constraint = err.constraint;
  if (meaning) problem.errors = [{ in: 'body', field: meaning.field, message: meaning.message }];
  else if (err.column) problem.errors = [{ in: 'body', field: err.column, message: title }];
  return { status, problem };
}

/** Status, body and headers for an error; `undefined` status means "unexpected: 500". */
export function toProblem(err: unknown, method = 'GET'): { status: number; problem: Problem; headers?: Record<string, string> } {
  if (err instanceof HttpError) {
    return { status: err.status, problem: { type: 'about:blank', title: err.title, status: err.status, detail: err.message, ...err.extra }, headers: err.headers };
  }
  if (err instanceof NotFound) return simple(404, 'Not found', err.message);
  if (err instanceof IdempotencyKeyReused) {
    return { status: 422, problem: { type: 'about:blank', title: 'Idempotency-Key reused', status: 422, detail: err.message, errors: [{ in: 'header', field: 'idempotency-key', message: 'was already used with a different request' }] } };
  }
  if (err instanceof Forbidden) return simple(403, 'Forbidden', err.message);
  if (err instanceof StaleVersion) return simple(412, 'Precondition failed', err.message);
  if (err instanceof InvalidCursor) return { status: 400, problem: { type: 'about:blank', title: 'Invalid cursor', status: 400, detail: 'the after cursor was not issued by this API', errors: [{ in: 'query', field: 'after', message: 'not a cursor issued by this API' }] } };
  if (err instanceof UniqueViolation) return dbProblem(err, 409, 'Already exists');
  if (err instanceof ExclusionViolation) return dbProblem(err, 409, 'Conflicts with an existing entry');
  if (err instanceof ForeignKeyViolation) {
    return method === 'DELETE' ? dbProblem(err, 409, 'Still referenced') : dbProblem(err, 422, 'Refers to something that does not exist');
  }
  if (err instanceof CheckViolation || err instanceof NotNullViolation) return dbProblem(err, 422, 'Not acceptable');
  if (err instanceof InvalidInput) return dbProblem(err, 400, 'Invalid value');
  if (err instanceof TransientConflict) {
    return { ...simple(503, 'Busy, try again', 'the request kept conflicting with concurrent ones'), headers: { 'retry-after': '1' } };
  }
  if (err instanceof Unavailable) {
    return { ...simple(503, 'Database unavailable', 'the database cannot serve this request now'), headers: { 'retry-after': '5' } };
  }
  // body-parser errors carry a status and a type.
  const bp = err as { status?: number; type?: string; expose?: boolean } | null;
  if (bp && typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500 && bp.expose) {
    const titles: Record<string, string> = {
      'entity.parse.failed': 'Malformed JSON',
      'entity.too.large': 'Request body too large',
      'encoding.unsupported': 'Unsupported content encoding',
      'charset.unsupported': 'Unsupported charset',
      'request.aborted': 'Request aborted',
    };
    const title = titles[bp.type ?? ''] ?? 'Bad request';
    const detail = bp.type === 'entity.too.large' ? 'the body is larger than 1 MB' : title;
    return simple(bp.status, title, detail);
  }
  return simple(500, 'Internal server error', 'an unexpected error occurred; it has been logged');
}

function simple(status: number, title: string, detail: string) {
  return { status, problem: { type: 'about:blank', title, status, detail } };
}

/** Sends a problem+json response. */
export function sendProblem(res: import('express').Response, status: number, problem: Problem, headers: Record<string, string> = {}) {
  res.status(status).set(headers).type('application/problem+json').send(JSON.stringify(problem));
}

/** The app's one error handler: maps, logs 5xx with the SQLSTATE, never leaks internals. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const { status, problem, headers } = toProblem(err, req.method);
    if (status >= 500) {
      const code = (err as { code?: unknown }).code;
      logger.error({ err, code, method: req.method, url: req.originalUrl }, 'request failed');
    } else if (!(err instanceof PgGrindError) && !(err instanceof HttpError)) {
      logger.debug({ err }, 'client error');
    }
    sendProblem(res, status, problem, headers);
  };
}
