/**
 * Opaque keyset-pagination cursors, project-neutral: the sort key of the last row of a page,
 * encoded as base64url JSON. A cursor is not a secret, only an opaque token; decoding checks its
 * shape, so a hand-edited one fails as `InvalidCursor` (400) instead of reaching SQL as garbage.
 */
import { InvalidCursor } from './errors.js';

export type CursorValue = string | number | boolean | null;

/** Encodes the sort-key values of the last row of a page. */
export function encodeCursor(values: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/** Decodes a cursor made by `encodeCursor` with `arity` values; `InvalidCursor` otherwise. */
export function decodeCursor(cursor: string, arity: number): CursorValue[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursor();
  }
  if (
    !Array.isArray(values) ||
    values.length !== arity ||
    !values.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
  ) {
    throw new InvalidCursor();
  }
  return values as CursorValue[];
}
