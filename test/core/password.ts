import * as crypto from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';
import t, { type Test } from 'tap';
import { hashPassword, needsRehash, verifyNothing, verifyPassword } from '../../src/lib/core/password.js';

// Low cost keeps the unit tier fast; the parameters travel inside each hash.
const cheap = { log2N: 10 };

t.test('a hash verifies its password and no other', async (t) => {
  const h = await hashPassword('correct horse', cheap);
  t.match(h, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  t.equal(await verifyPassword('correct horse', h), true);
  t.equal(await verifyPassword('correct horsE', h), false);
  t.equal(await verifyPassword('', h), false);
});

t.test('salts differ, so equal passwords give different hashes', async (t) => {
  t.not(await hashPassword('same', cheap), await hashPassword('same', cheap));
});

t.test('composed and decomposed accents are one password (NFKC)', async (t) => {
  const h = await hashPassword('caf\u00e9', cheap);
  t.equal(await verifyPassword('cafe\u0301', h), true);
});

t.test('malformed or foreign stored strings never match', async (t) => {
  for (const bad of [
    '',
    'plain',
    '$2b$10$abcdefghijklmnopqrstuv',
    '$scrypt$ln=99,r=8,p=1$AAAA$AAAA',
    '$scrypt$ln=10,r=8,p=1$AAAA$AAAA',
  ]) {
    t.equal(await verifyPassword('x', bad), false, bad);
  }
  // Damage to a real hash of 'x': each part of the format is checked, not only the key.
  const h = await hashPassword('x', cheap);
  const [, , , salt, key] = h.split('$') as [string, string, string, string, string];
  for (const bad of [
    h.replace('ln=10', 'ln=0'),
    h.replace('ln=10', 'ln=25'),
    h.replace('r=8', 'r=0'),
    h.replace('p=1', 'p=0'),
    `$scrypt$ln=10,r=8,p=1$${salt}$`,
    `$scrypt$ln=10,r=8,p=1$${salt}`,
    `${h}$extra`,
    `$bcrypt$ln=10,r=8,p=1$${salt}$${key}`,
    // The format of the former saas-only helper (scrypt$N$r$p$salt$key, base64url): not accepted.
    `scrypt$1024$8$1$${Buffer.from(salt, 'base64').toString('base64url')}$${Buffer.from(key, 'base64').toString('base64url')}`,
  ]) {
    t.equal(await verifyPassword('x', bad), false, bad);
  }
});

t.test('the default cost is used when no options are given', async (t) => {
  const h = await hashPassword('pw');
  t.match(h, /^\$scrypt\$ln=15,r=8,p=1\$/);
  t.equal(await verifyPassword('pw', h), true);
});

t.test('needsRehash compares the parameters', async (t) => {
  const h = await hashPassword('pw', cheap);
  t.equal(needsRehash(h, cheap), false);
  t.equal(needsRehash(h, { log2N: 11 }), true);
  t.equal(needsRehash(h, { ...cheap, r: 16 }), true);
  t.equal(needsRehash('garbage'), true);
});

t.test('verifyNothing spends a verification and says no', async (t) => {
  t.equal(await verifyNothing('pw', cheap), false);
  t.equal(await verifyNothing('pw', cheap), false); // cached dummy
});

/** password.ts with node:crypto's scrypt and timingSafeEqual recorded. */
async function spied(t: Test) {
  const calls = {
    scrypt: [] as { keylen: number; N?: number; r?: number; p?: number }[],
    timingSafeEqual: [] as [number, number][],
  };
  const mod = await t.mockImport<typeof import('../../src/lib/core/password.js')>('../../src/lib/core/password.js', {
    'node:crypto': {
      ...crypto,
      scrypt: (
        pw: string,
        salt: Buffer,
        keylen: number,
        o: ScryptOptions,
        cb: (e: Error | null, k: Buffer) => void,
      ) => {
        calls.scrypt.push({ keylen, N: o.N, r: o.r, p: o.p });
        crypto.scrypt(pw, salt, keylen, o, cb);
      },
      timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
        calls.timingSafeEqual.push([a.byteLength, b.byteLength]);
        return crypto.timingSafeEqual(a, b);
      },
    },
  });
  return { ...mod, calls };
}

t.test('keys are compared with timingSafeEqual, for a right and a wrong password alike', async (t) => {
  const { hashPassword, verifyPassword, calls } = await spied(t);
  const h = await hashPassword('correct horse', cheap);
  t.equal(await verifyPassword('correct horse', h), true);
  t.equal(await verifyPassword('correct horsE', h), false);
  t.same(calls.timingSafeEqual, [
    [32, 32],
    [32, 32],
  ]);
});

t.test('verifyNothing costs what a verification of a real hash costs, and hashes its dummy once', async (t) => {
  const { hashPassword, verifyNothing, verifyPassword, calls } = await spied(t);
  await verifyNothing('pw', cheap); // makes the dummy
  const real = await hashPassword('pw', cheap);
  calls.scrypt.length = 0;
  calls.timingSafeEqual.length = 0;
  await verifyPassword('wrong', real);
  await verifyNothing('wrong', cheap);
  t.equal(calls.scrypt.length, 2, 'one scrypt each, no new dummy');
  t.same(calls.scrypt[1], calls.scrypt[0], 'same N, r, p and key length');
  t.same(calls.scrypt[0], { keylen: 32, N: 1024, r: 8, p: 1 });
  t.same(
    calls.timingSafeEqual,
    [
      [32, 32],
      [32, 32],
    ],
    'and one constant-time comparison each',
  );
});
