// Unit tier: what saas adds to the shared token helper, no database. `authenticate` accepts only
// tokens for the audience `pg-grind/saas` whose subject is a user id, and answers undefined (401)
// for every refusal. Signing, expiry, tampering and algorithm checks themselves are tested in
// test/core/token.ts; password hashing, the dummy verification and the constant-time comparisons
// in test/core/password.ts and test/core/token.ts.
import { createHmac } from 'node:crypto';
import t from 'tap';
import { authenticate, TOKEN_AUDIENCE } from '../../src/lib/saas/index.js';
import { signToken, type SignOptions } from '../../src/lib/core/token.js';

const secret = 'saas-unit-test-secret-32-bytes!!';
const tokens = { secret };
const now = Date.UTC(2026, 0, 1);
const saasToken = (sub: string, opts: Partial<SignOptions> = {}) =>
  signToken(sub, secret, { ttlSeconds: 60, audience: TOKEN_AUDIENCE, ...opts });

t.test('a saas token names its user', async (t) => {
  t.equal(TOKEN_AUDIENCE, 'pg-grind/saas');
  t.equal(authenticate(saasToken('42'), tokens), '42');
  t.equal(authenticate(saasToken('42'), { secret: Buffer.from(secret) }), '42', 'the secret as bytes');
  t.equal(authenticate(saasToken('9223372036854775807'), tokens), '9223372036854775807', 'the largest bigint');
});

t.test('another audience, or none, is refused: blog tokens do not open saas', async (t) => {
  t.equal(
    authenticate(saasToken('42', { audience: 'pg-grind/blog' }), tokens),
    undefined,
    'blog audience, same secret',
  );
  t.equal(authenticate(signToken('42', secret, { ttlSeconds: 60 }), tokens), undefined, 'no audience');
});

t.test('wrong key, expired, tampered or malformed tokens are refused', async (t) => {
  const token = saasToken('42', { now: () => now });
  t.equal(authenticate(saasToken('42'), { secret: 'another-secret-of-at-least-32-bytes' }), undefined, 'wrong key');
  t.equal(authenticate(token, tokens), undefined, 'expired');
  t.equal(authenticate(saasToken('42', { ttlSeconds: 0 }), tokens), undefined, 'expired at exp');
  const [h, p, s] = saasToken('42').split('.') as [string, string, string];
  const forged = Buffer.from(JSON.stringify({ aud: TOKEN_AUDIENCE, sub: '1', iat: 0, exp: 9e9 })).toString('base64url');
  t.equal(authenticate(`${h}.${forged}.${s}`, tokens), undefined, 'payload swapped');
  t.equal(authenticate(`${h}.${p}`, tokens), undefined, 'two parts');
  t.equal(authenticate(`${h}.${p}.${s}.x`, tokens), undefined, 'four parts');
  t.equal(authenticate(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`, tokens), undefined, 'alg none');
  t.equal(authenticate(`${h}.${p}.AAAA`, tokens), undefined, 'short signature');
  const signed = (payload: string) => {
    const body = `${h}.${Buffer.from(payload).toString('base64url')}`;
    return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
  };
  t.equal(authenticate(signed('not json'), tokens), undefined, 'payload not JSON');
  t.equal(authenticate(signed('null'), tokens), undefined, 'payload null');
  t.equal(authenticate(signed(JSON.stringify({ aud: TOKEN_AUDIENCE, sub: '7', iat: 0 })), tokens), undefined, 'no exp');
  t.equal(
    authenticate(signed(JSON.stringify({ aud: TOKEN_AUDIENCE, sub: '7', iat: 0, exp: 9e9 })), tokens),
    '7',
    'signed by hand',
  );
});

t.test('a subject that is not a user id is refused', async (t) => {
  for (const sub of ['x', '', '0', '07', '-1', '1.5', '1e3', '12345678901234567890']) {
    t.equal(authenticate(saasToken(sub), tokens), undefined, `sub ${JSON.stringify(sub)}`);
  }
});

t.test('a short secret is a programming error, not a refusal', async (t) => {
  t.throws(() => authenticate(saasToken('42'), { secret: 'short' }), RangeError);
});
