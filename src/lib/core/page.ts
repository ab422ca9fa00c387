/**
 * Page sizes and keyset pages, project-neutral. A list states its page size once (`PageSize`);
 * the library clamps what a caller asks for, decodes the `after` cursor with one id rule, fetches
 * `limit + 1` rows and turns them into `{ items, next }`. The HTTP side states the same
 * `PageSize` in its query schema (src/http/core/schemas.ts) and sends `next` as a Link header.
 */
import { decodeCursor, encodeCursor } from './cursor.js';
import { InvalidCursor } from './errors.js';

export interface PageSize {
  /** Rows when the caller names no limit. */
  default: number;
  /** The cap: a larger limit is clamped to it, not refused. */
  max: number;
  /** The floor (default 1); an offset list that may count without reading rows allows 0. */
  min?: number;
}

/** The `limit` and `after` a keyset list accepts. */
export interface PageOptions {
  /** Page size, clamped to the list's `PageSize`. */
  limit?: number;
  /** The `next` cursor of the previous page. */
  after?: string;
}

export interface Page<T> {
  items: T[];
  /** Cursor of the next page; absent on the last page. */
  next?: string;
}

/** The page size to use: `limit` truncated and clamped to `size`, or its default when absent. */
export function pageLimit(limit: number | undefined, size: PageSize): number {
  const asked = limit === undefined || Number.isNaN(limit) ? size.default : Math.trunc(limit);
  return Math.min(Math.max(asked, size.min ?? 1), size.max);
}

/** The largest PostgreSQL bigint: an id cursor beyond it would fail in SQL (22003) instead of as InvalidCursor. */
const MAX_BIGINT = 9223372036854775807n;

/**
 * The id a one-key cursor carries, as the decimal string of a PostgreSQL bigint (0 ..
 * 9223372036854775807: 19 digits at most, and no more than that value); `InvalidCursor` otherwise.
 */
export function decodeIdCursor(cursor: string): string {
  const [id] = decodeCursor(cursor, 1);
  if (typeof id !== 'string' || !/^\d{1,19}$/.test(id) || BigInt(id) > MAX_BIGINT) throw new InvalidCursor();
  return id;
}

/** The name a one-key cursor of a list keyed by a text column carries (at most 1,000 characters). */
export function decodeTextCursor(cursor: string): string {
  const [key] = decodeCursor(cursor, 1);
  if (typeof key !== 'string' || key.length > 1000) throw new InvalidCursor();
  return key;
}

/**
 * The statement arguments of a keyset page by id: the clamped limit and the id to start after,
 * or `start` on the first page (what the statement expects there: null, or '0' for `id > $n`).
 * A list keyed by another column passes its own `decode` (decodeTextCursor for a name).
 */
export function keysetArgs<S>(
  opts: PageOptions,
  size: PageSize,
  start: S,
  decode: (cursor: string) => string = decodeIdCursor,
): { limit: number; after: string | S } {
  return { limit: pageLimit(opts.limit, size), after: opts.after === undefined ? start : decode(opts.after) };
}

/**
 * The page of `rows`, fetched with `limit + 1`: the extra row tells whether a next page exists
 * without a count query; `next` is the cursor of the last row kept, made from its id `key`.
 */
export function toPage<T>(rows: T[], limit: number, key: (row: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, next: encodeCursor([key(items[items.length - 1]!)]) };
}

/**
 * One keyset page by id: clamps the limit, decodes `opts.after` (InvalidCursor for a cursor this
 * module did not issue), runs `fetch(after, limit + 1)` and builds the page.
 */
export async function keysetPage<T, S>(
  opts: PageOptions,
  size: PageSize,
  start: S,
  key: (row: T) => string,
  fetch: (after: string | S, take: number) => Promise<T[]>,
  decode: (cursor: string) => string = decodeIdCursor,
): Promise<Page<T>> {
  const { limit, after } = keysetArgs(opts, size, start, decode);
  return toPage(await fetch(after, limit + 1), limit, key);
}
