import t from 'tap';
import { hashPassword, needsRehash, verifyNothing, verifyPassword } from '../../src/lib/password.js';

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
  for (const bad of ['', 'plain', '$2b$10$abcdefghijklmnopqrstuv', '$scrypt$ln=99,r=8,p=1$AAAA$AAAA', '$scrypt$ln=10,r=8,p=1$AAAA$AAAA']) {
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
