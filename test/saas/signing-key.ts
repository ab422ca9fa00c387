// saas's token signing key without SAAS_TOKEN_SECRET: generated once and kept in saas.settings,
// like blog's. Before issue 12 each process drew a random key: two processes behind a load
// balancer refused each other's tokens, and every restart logged everyone out.
import t from 'tap';
import * as saas from '../../src/lib/saas/index.js';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';
import { as, expectJson, signup } from '../helpers/saas.js';

const saved = process.env.SAAS_TOKEN_SECRET;
delete process.env.SAAS_TOKEN_SECRET;
t.teardown(() => {
  if (saved !== undefined) process.env.SAAS_TOKEN_SECRET = saved;
});

const { sql } = await testDb(t, { max: 6 });

t.test('two app instances on one database accept each other’s tokens; a restart keeps them', async (t) => {
  const [first, second] = await Promise.all([testServer(t, sql), testServer(t, sql)]);
  // Both processes start at once: the first signup on each creates-or-reads the key concurrently.
  const [ann, ben] = await Promise.all([signup(first, 'Ann'), signup(second, 'Ben')]);
  t.equal((await as(second, ann)('/orgs')).status, 200, "the second instance accepts the first's token");
  t.equal((await as(first, ben)('/orgs')).status, 200, "and the first the second's");

  const rows = await sql`select key, value from saas.settings`;
  t.equal(rows.length, 1, 'one key, whoever came first');
  t.equal(rows[0]!.key, 'token_secret');
  t.ok(Buffer.byteLength(rows[0]!.value) >= 32, 'at least 32 bytes');

  const restarted = await testServer(t, sql);
  t.match(await expectJson(await as(restarted, ann)('/orgs'), 200), [{ id: ann.orgId, role: 'owner' }], 'restart');
  const login = await restarted.request('/saas/login', {
    method: 'POST',
    json: { email: ann.email, password: 'correct horse' },
  });
  const { token } = await expectJson<{ token: string }>(login, 200);
  t.equal(
    (await as(first, { token })('/orgs')).status,
    200,
    'a token from after the restart works on the old instance',
  );

  // A key from the environment still wins, and tokens of the stored key are then refused.
  process.env.SAAS_TOKEN_SECRET = 'configured-secret-of-at-least-32-bytes';
  t.teardown(() => {
    delete process.env.SAAS_TOKEN_SECRET;
  });
  const configured = await testServer(t, sql);
  t.equal((await as(configured, ann)('/orgs')).status, 401);
});

t.test('getSigningSecret: create-if-missing is race-free', async (t) => {
  const { sql } = await testDb(t, { max: 6 });
  const values = await Promise.all(Array.from({ length: 6 }, () => saas.getSigningSecret(sql)));
  t.equal(new Set(values).size, 1, 'six concurrent first uses agree on one key');
  t.equal(
    await saas.getSigningSecret(sql, 'given-secret-of-at-least-32-bytes!!'),
    'given-secret-of-at-least-32-bytes!!',
  );
});
