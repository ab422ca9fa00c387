// Keyset pages (src/lib/core/page.ts): the one clamp, the one bigint id rule, limit + 1 rows.
import t from 'tap';
import { encodeCursor } from '../../src/lib/core/cursor.js';
import { InvalidCursor } from '../../src/lib/core/errors.js';
import { decodeIdCursor, keysetArgs, keysetPage, pageLimit, toPage } from '../../src/lib/core/page.js';

const size = { default: 20, max: 100 };

t.test('pageLimit: default when absent, clamped to min .. max, truncated', async (t) => {
  t.equal(pageLimit(undefined, size), 20);
  t.equal(pageLimit(NaN, size), 20);
  t.equal(pageLimit(5000, size), 100, 'capped, not refused');
  t.equal(pageLimit(0, size), 1, 'the floor is 1 by default');
  t.equal(pageLimit(-3, { ...size, min: 0 }), 0, 'a list may allow 0');
  t.equal(pageLimit(7.9, size), 7);
});

t.test('decodeIdCursor: a PostgreSQL bigint, nothing else', async (t) => {
  t.equal(decodeIdCursor(encodeCursor(['42'])), '42');
  t.equal(
    decodeIdCursor(encodeCursor(['9223372036854775807'])),
    '9223372036854775807',
    'the largest bigint (19 digits)',
  );
  for (const bad of ['9223372036854775808', '99999999999999999999', '-1', '1.5', '', ' 1']) {
    t.throws(() => decodeIdCursor(encodeCursor([bad])), InvalidCursor, bad);
  }
  t.throws(() => decodeIdCursor(encodeCursor([42])), InvalidCursor, 'a number is not what the lists issue');
  t.throws(() => decodeIdCursor(encodeCursor(['1', '2'])), InvalidCursor, 'one key only');
  t.throws(() => decodeIdCursor('garbage'), InvalidCursor);
});

t.test('keysetArgs and toPage', async (t) => {
  t.same(keysetArgs({}, size, null), { limit: 20, after: null }, 'the first page starts where the caller says');
  t.same(keysetArgs({ limit: 3, after: encodeCursor(['7']) }, size, '0'), { limit: 3, after: '7' });
  const rows = ['1', '2', '3'].map((id) => ({ id }));
  t.same(
    toPage(rows, 3, (r) => r.id),
    { items: rows },
    'no extra row: the last page',
  );
  const page = toPage(rows, 2, (r) => r.id);
  t.same(page.items, rows.slice(0, 2));
  t.equal(decodeIdCursor(page.next!), '2', 'next is the cursor of the last row kept');
});

t.test('keysetPage fetches limit + 1 rows after the decoded cursor', async (t) => {
  const all = Array.from({ length: 5 }, (_, i) => ({ id: String(i + 1) }));
  const calls: [string | null, number][] = [];
  const fetch = async (after: string | null, take: number) => {
    calls.push([after, take]);
    return all.filter((r) => after === null || BigInt(r.id) > BigInt(after)).slice(0, take);
  };
  const first = await keysetPage({ limit: 2 }, size, null, (r: { id: string }) => r.id, fetch);
  const second = await keysetPage({ limit: 2, after: first.next! }, size, null, (r: { id: string }) => r.id, fetch);
  const third = await keysetPage({ limit: 2, after: second.next! }, size, null, (r: { id: string }) => r.id, fetch);
  t.same(
    [first, second, third].map((p) => p.items.map((r) => r.id)),
    [['1', '2'], ['3', '4'], ['5']],
  );
  t.equal(third.next, undefined);
  t.same(calls, [
    [null, 3],
    ['2', 3],
    ['4', 3],
  ]);
});
