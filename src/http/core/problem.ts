/**
 * Errors on the wire: RFC 9457 `application/problem+json`. One registry from error class to problem
 * details (`registerProblem`) feeds `toProblem` and `problemHandler`, the app's one error handler.
 * This module registers the STYLE.md table and the kit's own errors; each project's router module
 * registers its library's classes. A project whose spec dictates another error shape (blog's
 * RealWorld) renders the same problems in that shape rather than mapping errors a second time.
 */
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import {
  CheckViolation,
  type DbError,
  ExclusionViolation,
  Forbidden,
  ForeignKeyViolation,
  InvalidCursor,
  InvalidInput,
  NotFound,
  NotNullViolation,
  PgGrindError,
  StaleVersion,
  TransientConflict,
  UniqueViolation,
  Unavailable,
} from '../../lib/core/errors.js';
import { IdempotencyKeyReused } from '../../lib/core/idempotency.js';
import { Overloaded } from '../../lib/core/password.js';
import { InvalidToken } from '../../lib/core/token.js';

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
  /** Validation problems: the offending fields, at most MAX_ISSUES. */
  errors?: FieldIssue[];
  /** The database constraint that refused the write, when one did. */
  constraint?: string;
  /** RFC 9457 extension members a project adds (booking's `conflicts`). */
  [extension: string]: unknown;
}

/** An error that already knows its HTTP status (thrown by routers, never by libraries). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail?: string,
    readonly extra: Partial<Problem> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

/**
 * The most issues one problem lists. A 1 MB body of 50,000 unknown keys once produced a 4.9 MB
 * problem; a client fixes the first few and tries again, so the rest would only cost both sides.
 */
export const MAX_ISSUES = 20;
/** Longest field name a problem echoes: a body key may be almost 1 MB long. */
const MAX_FIELD = 200;

const shorten = (i: FieldIssue): FieldIssue =>
  i.field.length > MAX_FIELD ? { ...i, field: `${i.field.slice(0, MAX_FIELD)}…` } : i;

/**
 * 400 with the offending fields (at most MAX_ISSUES, names shortened). `incomplete`: checking
 * stopped at the first issue (a large body), so others may exist that are not listed.
 */
export class ValidationFailed extends HttpError {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], incomplete = false) {
    const shown = issues.slice(0, MAX_ISSUES).map(shorten);
    const more =
      issues.length > shown.length
        ? `; and ${issues.length - shown.length} more`
        : incomplete
          ? '; the body is large, so checking stopped at the first issue: there may be more'
          : '';
    super(400, 'Invalid request', shown.map((i) => `${i.in} ${i.field}: ${i.message}`).join('; ') + more, {
      errors: shown,
    });
    this.issues = shown;
  }
}

/**
 * What a constraint means to an API client: the field it guards and a sentence; `status` replaces
 * the status of the violation's class where a project's spec wants another (blog: a foreign key to
 * the token's deleted user is 401).
 */
export interface ConstraintMeaning {
  field: string;
  message: string;
  status?: number;
}

const constraintMeanings = new Map<string, ConstraintMeaning>();

/**
 * Registers what a named constraint means, so a violation is reported against the field it guards.
 * Key: `schema.constraint` (constraint names are unique per schema, not per database).
 */
export function explainConstraint(schema: string, constraint: string, meaning: ConstraintMeaning): void {
  constraintMeanings.set(`${schema}.${constraint}`, meaning);
}

/** The registered meaning of the constraint a database error names, if any. */
export function meaningOf(err: DbError): ConstraintMeaning | undefined {
  return err.constraint ? constraintMeanings.get(`${err.schema}.${err.constraint}`) : undefined;
}

/**
 * What an error means on the wire: status, title, detail (default: the title), RFC 9457 extension
 * members (`errors`, `constraint`, or a project's own, e.g. booking's `conflicts`), response headers.
 */
export interface ProblemSpec {
  status: number;
  title: string;
  detail?: string | undefined;
  headers?: Record<string, string> | undefined;
  [extension: string]: unknown;
}

/** Turns an error of one class into its problem; `method` is the request's (a 23503 on DELETE is 409). */
export type ProblemRenderer<E> = (err: E, method: string) => ProblemSpec;

type ErrorClass<E> = abstract new (...args: never[]) => E;

const renderers = new Map<unknown, ProblemRenderer<never>>();

/**
 * Says what errors of `Class` mean on the wire. Lookup walks the prototype chain, so a subclass
 * without its own entry gets its parent's (StatementTimeout renders as Unavailable). Register at
 * import time of the router module that serves the library which throws them.
 */
export function registerProblem<E extends Error>(Class: ErrorClass<E>, render: ProblemRenderer<E>): void {
  renderers.set(Class, render as ProblemRenderer<never>);
}

/** The renderer registered for `err`'s class or its nearest ancestor. */
function rendererOf(err: unknown): ProblemRenderer<unknown> | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  for (
    let proto = Object.getPrototypeOf(err);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    const render = renderers.get(proto.constructor);
    if (render) return render as ProblemRenderer<unknown>;
  }
  return undefined;
}

/**
 * The problem of a constraint violation: `status` and `title` of its class, unless the constraint's
 * registered meaning overrides the status; the meaning names the field and gives the detail.
 */
export function constraintProblem(err: DbError, status: number, title: string): ProblemSpec {
  const meaning = meaningOf(err);
  const spec: ProblemSpec = { status: meaning?.status ?? status, title, detail: meaning?.message ?? title };
  if (err.constraint) spec.constraint = err.constraint;
  if (meaning) spec.errors = [{ in: 'body', field: meaning.field, message: meaning.message }];
  else if (err.column) spec.errors = [{ in: 'body', field: err.column, message: title }];
  return spec;
}

registerProblem(HttpError, (err) => ({
  status: err.status,
  title: err.title,
  detail: err.message,
  ...err.extra,
  headers: err.headers,
}));
registerProblem(NotFound, (err) => ({ status: 404, title: 'Not found', detail: err.message }));
registerProblem(Forbidden, (err) => ({ status: 403, title: 'Forbidden', detail: err.message }));
registerProblem(StaleVersion, (err) => ({ status: 412, title: 'Precondition failed', detail: err.message }));
registerProblem(InvalidCursor, () => ({
  status: 400,
  title: 'Invalid cursor',
  detail: 'the after cursor was not issued by this API',
  errors: [{ in: 'query', field: 'after', message: 'not a cursor issued by this API' }],
}));
registerProblem(IdempotencyKeyReused, (err) => ({
  status: 422,
  title: 'Idempotency-Key reused',
  detail: err.message,
  errors: [{ in: 'header', field: 'idempotency-key', message: 'was already used with a different request' }],
}));
registerProblem(InvalidToken, (err) => {
  const message = err.reason === 'expired' ? 'has expired' : 'is invalid';
  return {
    status: 401,
    title: 'Unauthorized',
    detail: `the token ${message}`,
    errors: [{ in: 'header', field: 'authorization', message }],
    headers: { 'www-authenticate': 'Bearer' },
  };
});
registerProblem(UniqueViolation, (err) => constraintProblem(err, 409, 'Already exists'));
registerProblem(ExclusionViolation, (err) => constraintProblem(err, 409, 'Conflicts with an existing entry'));
registerProblem(ForeignKeyViolation, (err, method) =>
  method === 'DELETE'
    ? constraintProblem(err, 409, 'Still referenced')
    : constraintProblem(err, 422, 'Refers to something that does not exist'),
);
registerProblem(CheckViolation, (err) => constraintProblem(err, 422, 'Not acceptable'));
registerProblem(NotNullViolation, (err) => constraintProblem(err, 422, 'Not acceptable'));
registerProblem(InvalidInput, (err) => constraintProblem(err, 400, 'Invalid value'));
registerProblem(TransientConflict, () => ({
  status: 503,
  title: 'Busy, try again',
  detail: 'the request kept conflicting with concurrent ones',
  headers: { 'retry-after': '1' },
}));
registerProblem(Overloaded, (err) => ({
  status: 503,
  title: 'Overloaded',
  detail: 'the server is doing as much of this work as it can; try again shortly',
  headers: { 'retry-after': String(err.retryAfterSeconds) },
}));
registerProblem(Unavailable, () => ({
  status: 503,
  title: 'Database unavailable',
  detail: 'the database cannot serve this request now',
  headers: { 'retry-after': '5' },
}));

/** Status, body and headers for an error; anything unregistered and not a body-parser 4xx is a 500. */
export function toProblem(
  err: unknown,
  method = 'GET',
): { status: number; problem: Problem; headers?: Record<string, string> } {
  const render = rendererOf(err);
  if (render) {
    const { status, title, detail, headers, ...extensions } = render(err, method);
    const problem: Problem = { type: 'about:blank', title, status, detail: detail ?? title, ...extensions };
    return headers ? { status, problem, headers } : { status, problem };
  }
  // The router decodes path parameters and marks a malformed %-escape (`/todo/%E0%A4%A`) as a 400;
  // any other URIError is a bug of ours and stays a 500.
  if (err instanceof URIError && (err as { status?: unknown }).status === 400) {
    const message = 'has malformed percent-encoding';
    return {
      status: 400,
      problem: {
        type: 'about:blank',
        title: 'Malformed URL',
        status: 400,
        detail: `the path ${message}`,
        errors: [{ in: 'path', field: '(path)', message }],
      },
    };
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
export function sendProblem(
  res: import('express').Response,
  status: number,
  problem: Problem,
  headers: Record<string, string> = {},
) {
  res.status(status).set(headers).type('application/problem+json').send(JSON.stringify(problem));
}

/** The app's one error handler: maps, logs 5xx with the SQLSTATE and statement, never leaks internals. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const { status, problem, headers } = toProblem(err, req.method);
    if (status >= 500) {
      const { code, statement } = err as { code?: unknown; statement?: unknown };
      logger.error({ err, code, statement, method: req.method, url: req.originalUrl }, 'request failed');
    } else if (!(err instanceof PgGrindError) && !(err instanceof HttpError)) {
      logger.debug({ err }, 'client error');
    }
    sendProblem(res, status, problem, headers);
  };
}
