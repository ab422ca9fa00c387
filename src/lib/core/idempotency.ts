/**
 * Idempotency keys, project-neutral: run a write at most once per (scope, key) and replay its first
 * response to an identical retry. Each project keeps its own table (see booking.idempotency_keys
 * for the shape) and passes the three statements that read and write it, so this file holds no SQL.
 *
 * The key row is claimed (`insert ... on conflict do nothing`) in the same transaction as the write
 * and the stored response, so the three commit or vanish together: a failed request leaves no key
 * behind and may be retried, and a concurrent duplicate waits on the key's primary key until the
 * first transaction ends, then replays its response (no "in progress" state to poll).
 */
import { createHash } from 'node:crypto';
import type postgres from 'postgres';
import { exec, maybeOne, one, transaction, type Db, type Statement } from './db.js';
import { PgGrindError } from './errors.js';

/**
 * The three statements over a project's idempotency table (`$1` scope, `$2` key, ...): any
 * project's generated statement types fit when they take these parameters and return these columns.
 */
export interface IdempotencyQueries {
  /** `$1` scope, `$2` key, `$3` request hash; returns a row only when this call claimed the key. */
  claim: Statement<[scope: string, key: string, hash: string], unknown>;
  /** `$1` scope, `$2` key; returns request_hash, response_status, response_body. */
  find: Statement<[scope: string, key: string], KeyRow>;
  /** `$1` scope, `$2` key, `$3` status, `$4` body (jsonb). */
  save: Statement<[scope: string, key: string, status: number, body: unknown], unknown>;
}

/** A response worth replaying: status and JSON body. */
export interface StoredResponse<B = unknown> {
  status: number;
  body: B;
}

/** The same key was sent before with a different request. */
export class IdempotencyKeyReused extends PgGrindError {
  override name = 'IdempotencyKeyReused';
  constructor(readonly key: string) {
    super('Idempotency-Key was already used with a different request');
  }
}

/** SHA-256 (hex) of a value's canonical JSON: object keys sorted, so key order does not matter. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Status and body are null only between the claim and the save, inside the claiming transaction. */
interface KeyRow {
  request_hash: string;
  response_status: number | null;
  response_body: unknown;
}

/**
 * Runs `fn` once per (scope, key) and returns its response, or replays the stored one
 * (`replayed: true`) when the key was used before with the same `hash`. Throws
 * IdempotencyKeyReused when it was used with another hash; errors from `fn` escape and store
 * nothing. Opens its own transaction (a savepoint when `db` is one) and gives it to `fn`.
 */
export function idempotent<B>(
  db: Db,
  queries: IdempotencyQueries,
  scope: string,
  key: string,
  hash: string,
  fn: (tx: postgres.TransactionSql) => Promise<StoredResponse<B>>,
): Promise<StoredResponse<B> & { replayed: boolean }> {
  return transaction(db, async (tx) => {
    const claimed = await maybeOne(tx, queries.claim, [scope, key, hash]);
    if (!claimed) {
      const prior = await one(tx, queries.find, [scope, key], 'idempotency key');
      if (prior.request_hash !== hash) throw new IdempotencyKeyReused(key);
      // Another transaction's claim is visible only once it committed, and it saved in that transaction.
      return { status: prior.response_status!, body: prior.response_body as B, replayed: true };
    }
    const response = await fn(tx);
    // Through JSON once so that what is stored is exactly what a replay will send.
    const body = JSON.parse(JSON.stringify(response.body)) as B;
    await exec(tx, queries.save, [scope, key, response.status, body]);
    return { status: response.status, body, replayed: false };
  });
}
