import t, { type Test } from 'tap';
import { assertSecret, MIN_SECRET_BYTES, signToken, verifyToken } from '../../src/lib/core/token.js';

const secret = 'a'.repeat(MIN_SECRET_BYTES);
const at = (s: number) => () => s * 1000;

function refused(t: Test, fn: () => unknown, reason: string) {
  t.throws(fn, { name: 'InvalidToken', reason }, reason);
}

t.test('a signed token verifies and carries its claims', async (t) => {
  const tok = signToken('42', secret, { ttlSeconds: 60, now: at(1000) }, { role: 'x' });
  t.equal(tok.split('.').length, 3);
  const c = verifyToken(tok, secret, { now: at(1030) });
  t.same(c, { role: 'x', sub: '42', iat: 1000, exp: 1060 });
  t.equal(verifyToken(tok, Buffer.from(secret), { now: at(1030) }).sub, '42');
});

t.test('expiry: refused at exp, accepted within the leeway', async (t) => {
  const tok = signToken('1', secret, { ttlSeconds: 60, now: at(1000) });
  refused(t, () => verifyToken(tok, secret, { now: at(1060) }), 'expired');
  t.equal(verifyToken(tok, secret, { now: at(1060), leewaySeconds: 5 }).sub, '1');
  t.ok(verifyToken(signToken('1', secret, { ttlSeconds: 60 }), secret).exp > Date.now() / 1000);
});

t.test('tampering: payload, signature, other secret', async (t) => {
  const tok = signToken('1', secret, { ttlSeconds: 60, now: at(1000) });
  const [h, , s] = tok.split('.');
  const forged = Buffer.from(JSON.stringify({ sub: '2', iat: 1000, exp: 9e9 })).toString('base64url');
  refused(t, () => verifyToken(`${h}.${forged}.${s}`, secret, { now: at(1001) }), 'signature');
  refused(t, () => verifyToken(`${tok.slice(0, -2)}AA`, secret, { now: at(1001) }), 'signature');
  refused(t, () => verifyToken(`${h}.${tok.split('.')[1]}.AAAA`, secret, { now: at(1001) }), 'signature');
  refused(t, () => verifyToken(tok, 'b'.repeat(32), { now: at(1001) }), 'signature');
});

t.test('algorithm confusion: alg none or HS512 are refused', async (t) => {
  const p = Buffer.from(JSON.stringify({ sub: '1', iat: 1, exp: 9e9 })).toString('base64url');
  for (const alg of ['none', 'HS512', 'RS256']) {
    const h = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
    refused(t, () => verifyToken(`${h}.${p}.AAAA`, secret), 'algorithm');
  }
});

t.test('malformed tokens', async (t) => {
  const good = signToken('1', secret, { ttlSeconds: 60 });
  const [h, p] = good.split('.') as [string, string];
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  for (const bad of [
    '',
    'a.b',
    'a.b.c.d',
    `${h}.${p}.`,
    `${h}.${p}.x+y`,
    'bm90anNvbg.e30.AAAA',
    `${b(null)}.${p}.AAAA`,
  ]) {
    refused(t, () => verifyToken(bad, secret), 'malformed');
  }
});

t.test('claims must have sub, iat and exp of the right types', async (t) => {
  const { createHmac } = await import('node:crypto');
  const h = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  for (const claims of [
    { iat: 1, exp: 9e9 },
    { sub: 1, iat: 1, exp: 9e9 },
    { sub: '1', iat: 1 },
    { sub: '1', exp: 9e9 },
    null,
    'str',
  ]) {
    const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const s = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
    refused(t, () => verifyToken(`${h}.${p}.${s}`, secret), 'malformed');
  }
});

t.test('audience: a token for another service is refused', async (t) => {
  const tok = signToken('1', secret, { ttlSeconds: 60, audience: 'blog' });
  t.equal(verifyToken(tok, secret, { audience: 'blog' }).aud, 'blog');
  t.equal(verifyToken(tok, secret).sub, '1', 'no audience asked: not checked');
  refused(t, () => verifyToken(tok, secret, { audience: 'saas' }), 'audience');
  refused(t, () => verifyToken(signToken('1', secret, { ttlSeconds: 60 }), secret, { audience: 'blog' }), 'audience');
});

t.test('a validly signed payload that is not JSON is malformed', async (t) => {
  const { createHmac } = await import('node:crypto');
  const [h] = signToken('1', secret, { ttlSeconds: 60 }).split('.');
  const p = Buffer.from('not json').toString('base64url');
  const s = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  refused(t, () => verifyToken(`${h}.${p}.${s}`, secret), 'malformed');
});

t.test('short secrets are a programming error', async (t) => {
  t.throws(() => signToken('1', 'short', { ttlSeconds: 1 }), RangeError);
  t.throws(() => verifyToken('a.b.c', 'short'), RangeError);
  t.throws(() => assertSecret('short'), RangeError);
  t.throws(() => assertSecret(Buffer.alloc(MIN_SECRET_BYTES - 1)), RangeError);
  t.doesNotThrow(() => assertSecret(secret));
  t.doesNotThrow(() => assertSecret(Buffer.alloc(MIN_SECRET_BYTES)));
});

t.test('signatures are compared with timingSafeEqual, right or wrong', async (t) => {
  const crypto = await import('node:crypto');
  const compared: [number, number][] = [];
  const spied = await t.mockImport<typeof import('../../src/lib/core/token.js')>('../../src/lib/core/token.js', {
    'node:crypto': {
      ...crypto,
      timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
        compared.push([a.byteLength, b.byteLength]);
        return crypto.timingSafeEqual(a, b);
      },
    },
  });
  const tok = spied.signToken('1', secret, { ttlSeconds: 60 });
  t.equal(spied.verifyToken(tok, secret).sub, '1');
  // A different first signature character: six bits of the first byte change.
  const [h, p, s] = tok.split('.') as [string, string, string];
  const wrong = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
  refused(t, () => spied.verifyToken(wrong, secret), 'signature');
  t.same(compared, [
    [32, 32],
    [32, 32],
  ]);
});
