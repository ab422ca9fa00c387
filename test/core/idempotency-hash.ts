// requestHash: canonical JSON, so that a retry with the same meaning hashes the same.
import t from 'tap';
import { requestHash } from '../../src/lib/core/idempotency.js';

t.test('key order and undefined fields do not matter; values do', async (t) => {
  t.equal(requestHash({ a: 1, b: { c: [1, 2], d: 'x' } }), requestHash({ b: { d: 'x', c: [1, 2] }, a: 1 }));
  t.equal(requestHash({ a: 1, b: undefined }), requestHash({ a: 1 }));
  t.not(requestHash({ a: 1 }), requestHash({ a: '1' }));
  t.not(requestHash({ a: [1, 2] }), requestHash({ a: [2, 1] }), 'array order is meaning');
  t.not(requestHash({ a: null }), requestHash({}));
  t.equal(requestHash(undefined), requestHash(null));
  t.equal(requestHash(new Date(0)), requestHash('1970-01-01T00:00:00.000Z'));
  t.match(requestHash('x'), /^[0-9a-f]{64}$/);
});
