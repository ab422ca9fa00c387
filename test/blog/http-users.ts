/**
 * /blog/api end to end on real PostgreSQL, accounts and tokens: register, log in, current user,
 * update; token expiry, tampering, audience, deleted users; the secret kept in blog.settings;
 * bad input and unknown routes as 4xx; the OpenAPI document.
 */
import t from 'tap';
import { signToken } from '../../src/lib/core/token.js';
import { API, client, register } from '../helpers/blog.js';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';

// Many connections, clones and requests per file: on a loaded shared machine this file can run past
// tap's default 30 s. The budget is for the harness only; no assertion depends on time.
t.setTimeout(120_000);
t.test('users: register, log in, current user, update, errors', async (t) => {
  const { sql } = await testDb(t);
  const c = client(await testServer(t, sql));

  const reg = await c.call('POST', '/users', {
    user: { username: 'Jacob', email: 'Jake@Jake.jake', password: 'jakejake' },
  });
  t.equal(reg.status, 201);
  t.same(Object.keys(reg.body.user).sort(), ['bio', 'email', 'image', 'token', 'username']);
  t.match(reg.body.user, {
    username: 'Jacob',
    email: 'Jake@Jake.jake',
    bio: null,
    image: null,
    token: /^[\w-]+\.[\w-]+\.[\w-]+$/,
  });

  // taken e-mail (any case) and username (any case): 422 in the RealWorld shape
  const dupEmail = await c.call('POST', '/users', {
    user: { username: 'other', email: 'jake@jake.JAKE', password: 'jakejake' },
  });
  t.same([dupEmail.status, dupEmail.body], [422, { errors: { email: ['has already been taken'] } }]);
  const dupName = await c.call('POST', '/users', { user: { username: 'jacob', email: 'x@y.z', password: 'jakejake' } });
  t.same([dupName.status, dupName.body], [422, { errors: { username: ['has already been taken'] } }]);

  // validation
  const missing = await c.call('POST', '/users', { user: { email: 'a@b.c' } });
  t.equal(missing.status, 422);
  t.same(missing.body.errors.username, ["can't be blank"]);
  t.same(missing.body.errors.password, ["can't be blank"]);
  t.equal(
    (await c.call('POST', '/users', { user: { username: 'a b', email: 'a@b.c', password: 'password1' } })).status,
    422,
  );
  t.same(
    (await c.call('POST', '/users', { user: { username: 'ab', email: 'not-an-email', password: 'password1' } })).body,
    { errors: { email: ['is invalid'] } },
  );
  t.equal(
    (await c.call('POST', '/users', { user: { username: 'ab', email: 'a@b.c', password: 'short' } })).status,
    422,
  );
  t.equal((await c.call('POST', '/users', {})).status, 422);

  // login
  const login = await c.call('POST', '/users/login', { user: { email: 'JAKE@jake.jake', password: 'jakejake' } });
  t.equal(login.status, 200);
  t.equal(login.body.user.username, 'Jacob');
  let token = login.body.user.token as string;
  t.same(
    (await c.call('POST', '/users/login', { user: { email: 'jake@jake.jake', password: 'wrong-password' } })).body,
    { errors: { 'email or password': ['is invalid'] } },
  );
  t.equal(
    (await c.call('POST', '/users/login', { user: { email: 'nobody@jake.jake', password: 'jakejake' } })).status,
    401,
  );
  t.equal((await c.call('POST', '/users/login', { user: { email: 'jake@jake.jake' } })).status, 422);

  // current user
  const me = await c.call('GET', '/user', undefined, token);
  t.equal(me.status, 200);
  t.match(me.body.user, { username: 'Jacob', email: 'Jake@Jake.jake' });
  t.same((await c.call('GET', '/user')).body, { errors: { token: ['is missing'] } });
  t.equal((await c.call('GET', '/user')).status, 401);

  // update: partial, null bio/image, empty password = unchanged, new password works
  const up = await c.call(
    'PUT',
    '/user',
    { user: { bio: 'I like to skateboard', image: 'https://i.stack.imgur.com/xHWG8.jpg', password: '' } },
    token,
  );
  t.equal(up.status, 200);
  t.match(up.body.user, {
    username: 'Jacob',
    bio: 'I like to skateboard',
    image: 'https://i.stack.imgur.com/xHWG8.jpg',
  });
  t.equal((await c.call('PUT', '/user', { user: { image: null } }, token)).body.user.image, null);
  t.equal(
    (await c.call('POST', '/users/login', { user: { email: 'jake@jake.jake', password: 'jakejake' } })).status,
    200,
  );
  const changed = await c.call('PUT', '/user', { user: { password: 'newpassword' } }, token);
  t.equal(changed.status, 200);
  t.same((await c.call('GET', '/user', undefined, token)).body, { errors: { token: ['has been revoked'] } });
  token = changed.body.user.token;
  t.equal(
    (await c.call('POST', '/users/login', { user: { email: 'jake@jake.jake', password: 'newpassword' } })).status,
    200,
  );
  t.equal((await c.call('PUT', '/user', { user: { password: 'short' } }, token)).status, 422);
  await register(c, 'taken');
  t.same((await c.call('PUT', '/user', { user: { username: 'TAKEN' } }, token)).body, {
    errors: { username: ['has already been taken'] },
  });
  t.equal((await c.call('PUT', '/user', { user: { bio: 'x' } })).status, 401);
  t.equal((await c.call('PUT', '/user', { nope: 1 }, token)).status, 422);
});

t.test('unknown routes, NUL characters, malformed JSON: 4xx, never 500', async (t) => {
  const { sql } = await testDb(t);
  const s = await testServer(t, sql);
  const c = client(s);
  const r = await c.call('GET', '/nope');
  t.same([r.status, r.body], [404, { errors: { route: ['no route for GET /blog/api/nope'] } }]);
  const nul = await c.call('POST', '/users', {
    user: { username: 'nul', email: 'a\u0000@b.c', password: 'password1' },
  });
  t.same([nul.status, nul.body], [422, { errors: { body: ['contains a value PostgreSQL cannot store'] } }]);
  const token = await register(c, 'writer');
  t.equal((await c.call('GET', '/articles/a%00b', undefined, token)).status, 422);
  // Bodies are parsed inside the router, so malformed JSON and oversized bodies get the RealWorld shape too.
  const bad = await s.request(`${API}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"user":',
  });
  t.same([bad.status, await bad.json()], [422, { errors: { body: ['Malformed JSON'] } }]);
  const big = await s.request(`${API}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: { bio: 'x'.repeat(1_100_000) } }),
  });
  t.same([big.status, await big.json()], [413, { errors: { body: ['the body is larger than 1 MB'] } }]);
});

t.test('a JWT_SECRET shorter than 32 bytes stops the app at start-up', async (t) => {
  const { blogApi } = await import('../../src/http/blog.js');
  const { sql } = await testDb(t);
  t.throws(() => blogApi(sql, { jwtSecret: 'short' }), RangeError);
});

t.test('/openapi.json documents /blog/api with the RealWorld error shape', async (t) => {
  const { sql } = await testDb(t);
  const s = await testServer(t, sql);
  const doc = (await (await s.request('/openapi.json')).json()) as any;
  const list = doc.paths['/blog/api/articles'].get;
  t.ok(list.responses['200'].content['application/json'].schema.properties.articlesCount);
  t.notOk(list.responses['400'], 'no problem+json 400: validation is 422');
  t.ok(list.responses.default.content['application/json'].schema.properties.errors);
  t.ok(doc.paths['/blog/api/articles/{slug}/comments/{id}'].delete);
  t.ok(
    doc.paths['/todo'].get.responses.default.content['application/problem+json'],
    'other projects keep problem+json',
  );
});

t.test('tokens: tampered, expired, wrong scheme, deleted user', async (t) => {
  const { sql } = await testDb(t);
  const c = client(await testServer(t, sql));
  const token = await register(c, 'alice');
  const [h, p, s] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: '999' })).toString('base64url');

  t.same((await c.call('GET', '/user', undefined, `${h}.${forged}.${s}`)).body, { errors: { token: ['is invalid'] } });
  t.equal((await c.call('GET', '/user', undefined, 'garbage')).status, 401);
  const expired = signToken(claims.sub, process.env.JWT_SECRET!, {
    ttlSeconds: 60,
    audience: 'pg-grind/blog',
    now: () => Date.now() - 3600_000,
  });
  const otherService = signToken(claims.sub, process.env.JWT_SECRET!, { ttlSeconds: 60, audience: 'pg-grind/saas' });
  t.same(
    (await c.call('GET', '/user', undefined, otherService)).body,
    { errors: { token: ['is invalid'] } },
    'same secret, other audience',
  );
  t.equal(claims.aud, 'pg-grind/blog');
  const r = await c.call('GET', '/user', undefined, expired);
  t.same([r.status, r.body], [401, { errors: { token: ['has expired'] } }]);
  // optional-auth endpoints refuse a bad token too, rather than answering as to a stranger
  t.equal((await c.call('GET', '/articles', undefined, expired)).status, 401);
  const basic = await testServer(t, sql);
  const res = await basic.request(`${API}/user`, { headers: { authorization: `Basic ${token}` } });
  t.equal(res.status, 401);
  const bearer = await basic.request(`${API}/user`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(bearer.status, 200);

  // a token outliving its user
  t.equal((await c.call('DELETE', '/user', undefined, token)).status, 200);
  t.same((await c.call('GET', '/user', undefined, token)).body, { errors: { token: ['names a deleted user'] } });
  const art = await c.call('POST', '/articles', { article: { title: 'T', description: 'd', body: 'b' } }, token);
  t.equal(art.status, 401);
  t.same(
    art.body,
    { errors: { token: ['names a deleted user'] } },
    'articles_author_id_fkey: 401 by its constraint meaning',
  );
});

t.test('a new password or e-mail revokes the tokens issued before; the one returned keeps working', async (t) => {
  const { sql } = await testDb(t);
  const c = client(await testServer(t, sql));
  const first = await register(c, 'carol');
  const second = (await c.call('POST', '/users/login', { user: { email: 'carol@example.com', password: 'password1' } }))
    .body.user.token as string;
  const ok = async (token: string) => (await c.call('GET', '/user', undefined, token)).status;

  // Neither a profile edit nor the same e-mail in another case is a credential change.
  t.equal((await c.call('PUT', '/user', { user: { bio: 'hi', email: 'Carol@Example.com' } }, first)).status, 200);
  t.same([await ok(first), await ok(second)], [200, 200], 'profile edits revoke nothing');

  const changed = await c.call('PUT', '/user', { user: { password: 'password2' } }, first);
  t.equal(changed.status, 200);
  const fresh = changed.body.user.token as string;
  t.same([await ok(first), await ok(second), await ok(fresh)], [401, 401, 200], 'password change');
  // Every authenticated route refuses the old token, and a token where one is optional too.
  const r = await c.call('POST', '/articles', { article: { title: 'T', description: 'd', body: 'b' } }, second);
  t.same([r.status, r.body], [401, { errors: { token: ['has been revoked'] } }]);
  t.equal((await c.call('GET', '/articles', undefined, second)).status, 401);
  t.equal((await c.call('PUT', '/user', { user: { bio: 'x' } }, second)).status, 401, 'PUT checks in its UPDATE');
  t.equal((await c.call('DELETE', '/user', undefined, second)).status, 401);
  t.equal((await c.call('GET', '/articles', undefined, fresh)).status, 200);

  const moved = await c.call('PUT', '/user', { user: { email: 'carol2@example.com' } }, fresh);
  t.equal(moved.status, 200);
  t.same([await ok(fresh), await ok(moved.body.user.token)], [401, 200], 'e-mail change');
  const relogged = await c.call('POST', '/users/login', {
    user: { email: 'carol2@example.com', password: 'password2' },
  });
  t.equal(await ok(relogged.body.user.token), 200, 'logging in again gives a valid token');

  // The claim is checked: a token without it counts as version 0, a bad one is malformed.
  const [row] = await sql`select id::text, token_version from blog.users where username = 'carol'`;
  t.equal(row!.token_version, 2);
  const sign = (extra: Record<string, unknown>) =>
    signToken(row!.id, process.env.JWT_SECRET!, { ttlSeconds: 60, audience: 'pg-grind/blog' }, extra);
  t.equal(await ok(sign({})), 401, 'no ver: version 0, long revoked');
  t.equal(await ok(sign({ ver: 2 })), 200);
  for (const ver of ['2', -1, 1.5, null]) t.equal(await ok(sign({ ver })), 401, `ver ${JSON.stringify(ver)}`);
});

t.test('secret generated once and kept in blog.settings when JWT_SECRET is unset', async (t) => {
  const { sql } = await testDb(t);
  const saved = process.env.JWT_SECRET;
  delete process.env.JWT_SECRET;
  t.teardown(() => {
    process.env.JWT_SECRET = saved;
  });
  const c1 = client(await testServer(t, sql));
  const token = await register(c1, 'bob');
  const [row] = await sql`select value from blog.settings where key = 'jwt_secret'`;
  t.ok(row && row.value.length >= 32);
  // a second app (a restarted process) accepts the first one's token
  const c2 = client(await testServer(t, sql));
  t.equal((await c2.call('GET', '/user', undefined, token)).status, 200);
});
