// Unit tier: the saas password hashing and token helpers (node:crypto only, no database).
import { createHmac } from 'node:crypto';
import t from 'tap';
import { dummyHash, hashPassword, signToken, verifyPassword, verifyToken } from '../../src/lib/saas/auth.js';

t.test('scrypt hashes: salted, self-describing, verified in constant time', async (t) => {
  const h1 = await hashPassword('correct horse');
  const h2 = await hashPassword('correct horse');
  t.match(h1, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  t.not(h1, h2, 'a fresh salt each time');
  t.equal(await verifyPassword('correct horse', h1), true);
  t.equal(await verifyPassword('correct horsE', h1), false);
  t.equal(await verifyPassword('caf\u00e9', await hashPassword('cafe\u0301')), true, 'NFC-normalised');
  for (const bad of ['', 'bcrypt$x', 'scrypt$0$8$1$AA$AA', 'scrypt$32768$8$1$AA$', 'scrypt$32768$8$1$AA$AA$extra', 'scrypt$99999999$8$1$AA$AA']) {
    t.equal(await verifyPassword('x', bad), false, `malformed: ${bad || '(empty)'}`);
  }
  t.equal(await dummyHash(), await dummyHash(), 'the dummy hash is made once');
  t.equal(await verifyPassword('anything', await dummyHash()), false);
});

t.test('HS256 tokens', async (t) => {
  const now = Date.UTC(2026, 0, 1);
  const token = signToken(42, 'secret', 60, now);
  t.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/, 'a compact JWS');
  t.same(verifyToken(token, 'secret', now), { sub: '42', iat: now / 1000, exp: now / 1000 + 60 });
  t.equal(verifyToken(token, 'other', now), undefined, 'wrong key');
  t.equal(verifyToken(token, 'secret', now + 60_000), undefined, 'expired');
  const [h, p, s] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ sub: '1', iat: 0, exp: 9e9 })).toString('base64url');
  t.equal(verifyToken(`${h}.${forged}.${s}`, 'secret', now), undefined, 'payload swapped');
  t.equal(verifyToken(`${h}.${p}`, 'secret', now), undefined, 'two parts');
  t.equal(verifyToken(`${h}.${p}.${s}.x`, 'secret', now), undefined, 'four parts');
  t.equal(verifyToken(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`, 'secret', now), undefined, 'alg none');
  t.equal(verifyToken(`${h}.${p}.AAAA`, 'secret', now), undefined, 'short signature');
  const sign = (claims: unknown) => {
    const body = `${h}.${Buffer.from(typeof claims === 'string' ? claims : JSON.stringify(claims)).toString('base64url')}`;
    return `${body}.${createHmac('sha256', 'secret').update(body).digest('base64url')}`;
  };
  t.equal(verifyToken(sign('not json'), 'secret', now), undefined, 'payload not JSON');
  t.equal(verifyToken(sign(null), 'secret', now), undefined, 'payload null');
  t.equal(verifyToken(sign({ sub: 'x', iat: 0, exp: 9e9 }), 'secret', now), undefined, 'sub not an id');
  t.equal(verifyToken(sign({ sub: '7', iat: 0 }), 'secret', now), undefined, 'no exp');
  t.same(verifyToken(sign({ sub: '7', iat: 0, exp: 9e9 }), 'secret', now), { sub: '7', iat: 0, exp: 9e9 });
});
