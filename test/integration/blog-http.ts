/**
 * /blog/api end to end on real PostgreSQL: every endpoint's success and error paths in the
 * RealWorld shapes, token expiry and tampering, cascades seen through the API, and the
 * one-statement-per-list claim (statements counted with postgres.js' debug hook).
 */
import t from 'tap';
import { connect } from '../../src/lib/db.js';
import { signToken } from '../../src/lib/token.js';
import { testDb } from '../helpers/db.js';
import { testServer, type TestServer } from '../helpers/http.js';

process.env.PASSWORD_SCRYPT_LOG2N = '10';
process.env.JWT_SECRET = 'test-secret-test-secret-test-secret!';

const API = '/blog/api';
const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface Client {
  call(method: string, path: string, json?: unknown, token?: string | null): Promise<{ status: number; body: any }>;
}

function client(s: TestServer): Client {
  return {
    async call(method, path, json, token) {
      const res = await s.request(API + path, {
        method,
        ...(json !== undefined ? { json } : {}),
        headers: token ? { authorization: `Token ${token}` } : {},
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

async function register(c: Client, name: string) {
  const r = await c.call('POST', '/users', { user: { username: name, email: `${name}@example.com`, password: 'password1' } });
  if (r.status !== 201) throw new Error(`register ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.user.token as string;
}

t.test('users: register, log in, current user, update, errors', async (t) => {
  const { sql } = await testDb(t);
  const c = client(await testServer(t, sql));

  const reg = await c.call('POST', '/users', { user: { username: 'Jacob', email: 'Jake@Jake.jake', password: 'jakejake' } });
  t.equal(reg.status, 201);
  t.same(Object.keys(reg.body.user).sort(), ['bio', 'email', 'image', 'token', 'username']);
  t.match(reg.body.user, { username: 'Jacob', email: 'Jake@Jake.jake', bio: null, image: null, token: /^[\w-]+\.[\w-]+\.[\w-]+$/ });

  // taken e-mail (any case) and username (any case): 422 in the RealWorld shape
  const dupEmail = await c.call('POST', '/users', { user: { username: 'other', email: 'jake@jake.JAKE', password: 'jakejake' } });
  t.same([dupEmail.status, dupEmail.body], [422, { errors: { email: ['has already been taken'] } }]);
  const dupName = await c.call('POST', '/users', { user: { username: 'jacob', email: 'x@y.z', password: 'jakejake' } });
  t.same([dupName.status, dupName.body], [422, { errors: { username: ['has already been taken'] } }]);

  // validation
  const missing = await c.call('POST', '/users', { user: { email: 'a@b.c' } });
  t.equal(missing.status, 422);
  t.same(missing.body.errors.username, ["can't be blank"]);
  t.same(missing.body.errors.password, ["can't be blank"]);
  t.equal((await c.call('POST', '/users', { user: { username: 'a b', email: 'a@b.c', password: 'password1' } })).status, 422);
  t.same((await c.call('POST', '/users', { user: { username: 'ab', email: 'not-an-email', password: 'password1' } })).body, { errors: { email: ['is invalid'] } });
  t.equal((await c.call('POST', '/users', { user: { username: 'ab', email: 'a@b.c', password: 'short' } })).status, 422);
  t.equal((await c.call('POST', '/users', {})).status, 422);

  // login
  const login = await c.call('POST', '/users/login', { user: { email: 'JAKE@jake.jake', password: 'jakejake' } });
  t.equal(login.status, 200);
  t.equal(login.body.user.username, 'Jacob');
  const token = login.body.user.token as string;
  t.same((await c.call('POST', '/users/login', { user: { email: 'jake@jake.jake', password: 'wrong-password' } })).body,
    { errors: { 'email or password': ['is invalid'] } });
  t.equal((await c.call('POST', '/users/login', { user: { email: 'nobody@jake.jake', password: 'jakejake' } })).status, 401);
  t.equal((await c.call('POST', '/users/login', { user: { email: 'jake@jake.jake' } })).status, 422);

  // current user
  const me = await c.call('GET', '/user', undefined, token);
  t.equal(me.status, 200);
  t.match(me.body.user, { username: 'Jacob', email: 'Jake@Jake.jake' });
  t.same((await c.call('GET', '/user')).body, { errors: { token: ['is missing'] } });
  t.equal((await c.call('GET', '/user')).status, 401);

  // update: partial, null bio/image, empty password = unchanged, new password works
  const up = await c.call('PUT', '/user', { user: { bio: 'I like to skateboard', image: 'https://i.stack.imgur.com/xHWG8.jpg', password: '' } }, token);
  t.equal(up.status, 200);
  t.match(up.body.user, { username: 'Jacob', bio: 'I like to skateboard', image: 'https://i.stack.imgur.com/xHWG8.jpg' });
  t.equal((await c.call('PUT', '/user', { user: { image: null } }, token)).body.user.image, null);
  t.equal((await c.call('POST', '/users/login', { user: { email: 'jake@jake.jake', password: 'jakejake' } })).status, 200);
  t.equal((await c.call('PUT', '/user', { user: { password: 'newpassword' } }, token)).status, 200);
  t.equal((await c.call('POST', '/users/login', { user: { email: 'jake@jake.jake', password: 'newpassword' } })).status, 200);
  t.equal((await c.call('PUT', '/user', { user: { password: 'short' } }, token)).status, 422);
  await register(c, 'taken');
  t.same((await c.call('PUT', '/user', { user: { username: 'TAKEN' } }, token)).body, { errors: { username: ['has already been taken'] } });
  t.equal((await c.call('PUT', '/user', { user: { bio: 'x' } })).status, 401);
  t.equal((await c.call('PUT', '/user', { nope: 1 }, token)).status, 422);
});

t.test('unknown routes, NUL characters, malformed JSON: 4xx, never 500', async (t) => {
  const { sql } = await testDb(t);
  const s = await testServer(t, sql);
  const c = client(s);
  const r = await c.call('GET', '/nope');
  t.same([r.status, r.body], [404, { errors: { route: ['no route for GET /blog/api/nope'] } }]);
  const nul = await c.call('POST', '/users', { user: { username: 'nul', email: 'a\u0000@b.c', password: 'password1' } });
  t.same([nul.status, nul.body], [422, { errors: { body: ['contains a value PostgreSQL cannot store'] } }]);
  const token = await register(c, 'writer');
  t.equal((await c.call('GET', '/articles/a%00b', undefined, token)).status, 422);
  // express.json() runs before the routers: malformed JSON gets the app's problem+json 400.
  const bad = await s.request(`${API}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":' });
  t.equal(bad.status, 400);
});

t.test('a JWT_SECRET shorter than 32 bytes stops the app at start-up', async (t) => {
  const { blogApi } = await import('../../src/http/blog.js');
  const { sql } = await testDb(t);
  t.throws(() => blogApi(sql, { jwtSecret: 'short' }), RangeError);
});

t.test('/openapi.json documents /blog/api with the RealWorld error shape', async (t) => {
  const { sql } = await testDb(t);
  const s = await testServer(t, sql);
  const doc = await (await s.request('/openapi.json')).json() as any;
  const list = doc.paths['/blog/api/articles'].get;
  t.ok(list.responses['200'].content['application/json'].schema.properties.articlesCount);
  t.notOk(list.responses['400'], 'no problem+json 400: validation is 422');
  t.ok(list.responses.default.content['application/json'].schema.properties.errors);
  t.ok(doc.paths['/blog/api/articles/{slug}/comments/{id}'].delete);
  t.ok(doc.paths['/todo'].get.responses.default.content['application/problem+json'], 'other projects keep problem+json');
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
  const expired = signToken(claims.sub, process.env.JWT_SECRET!, { ttlSeconds: 60, audience: 'pg-grind/blog', now: () => Date.now() - 3600_000 });
  const otherService = signToken(claims.sub, process.env.JWT_SECRET!, { ttlSeconds: 60, audience: 'pg-grind/saas' });
  t.same((await c.call('GET', '/user', undefined, otherService)).body, { errors: { token: ['is invalid'] } }, 'same secret, other audience');
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
});

t.test('secret generated once and kept in blog.settings when JWT_SECRET is unset', async (t) => {
  const { sql } = await testDb(t);
  const saved = process.env.JWT_SECRET;
  delete process.env.JWT_SECRET;
  t.teardown(() => { process.env.JWT_SECRET = saved; });
  const c1 = client(await testServer(t, sql));
  const token = await register(c1, 'bob');
  const [row] = await sql`select value from blog.settings where key = 'jwt_secret'`;
  t.ok(row && row.value.length >= 32);
  // a second app (a restarted process) accepts the first one's token
  const c2 = client(await testServer(t, sql));
  t.equal((await c2.call('GET', '/user', undefined, token)).status, 200);
});

t.test('profiles: get, follow, unfollow', async (t) => {
  const { sql } = await testDb(t);
  const c = client(await testServer(t, sql));
  const a = await register(c, 'alice');
  await register(c, 'celeb');

  const anon = await c.call('GET', '/profiles/celeb');
  t.same(anon.body, { profile: { username: 'celeb', bio: null, image: null, following: false } });
  t.same((await c.call('GET', '/profiles/nobody')).body, { errors: { profile: ['not found'] } });
  t.equal((await c.call('GET', '/profiles/nobody')).status, 404);

  const f = await c.call('POST', '/profiles/CELEB/follow', { user: { email: 'ignored' } }, a);
  t.same([f.status, f.body.profile.following, f.body.profile.username], [200, true, 'celeb']);
  t.equal((await c.call('POST', '/profiles/celeb/follow', undefined, a)).body.profile.following, true, 'idempotent');
  t.equal((await c.call('GET', '/profiles/celeb', undefined, a)).body.profile.following, true);
  t.same((await c.call('POST', '/profiles/alice/follow', undefined, a)).body, { errors: { profile: ['cannot follow yourself'] } });
  t.equal((await c.call('POST', '/profiles/nobody/follow', undefined, a)).status, 404);
  t.equal((await c.call('POST', '/profiles/celeb/follow')).status, 401);

  const u = await c.call('DELETE', '/profiles/celeb/follow', undefined, a);
  t.same([u.status, u.body.profile.following], [200, false]);
  t.equal((await c.call('DELETE', '/profiles/celeb/follow', undefined, a)).body.profile.following, false, 'idempotent');
  t.equal((await c.call('DELETE', '/profiles/nobody/follow', undefined, a)).status, 404);
  t.equal((await c.call('DELETE', '/profiles/celeb/follow')).status, 401);
});

t.test('articles: create, get, list filters, feed, update, delete, favorites, tags', async (t) => {
  const { sql } = await testDb(t);
  const c = client(await testServer(t, sql));
  const jake = await register(c, 'jake');
  const ann = await register(c, 'ann');

  const created = await c.call('POST', '/articles',
    { article: { title: 'How to train your dragon', description: 'Ever wonder how?', body: 'Very carefully.', tagList: ['training', 'dragons', ' dragons ', ''] } }, jake);
  t.equal(created.status, 201);
  const art = created.body.article;
  t.same(Object.keys(art).sort(), ['author', 'body', 'createdAt', 'description', 'favorited', 'favoritesCount', 'slug', 'tagList', 'title', 'updatedAt']);
  t.match(art, { slug: 'how-to-train-your-dragon', tagList: ['dragons', 'training'], favorited: false, favoritesCount: 0, createdAt: iso, updatedAt: iso,
    author: { username: 'jake', bio: null, image: null, following: false } });

  const second = await c.call('POST', '/articles', { article: { title: 'How to train your dragon', description: 'again', body: 'b' } }, jake);
  t.match(second.body.article, { slug: /^how-to-train-your-dragon-\d+$/, tagList: [] });
  const feedSlug = (await c.call('POST', '/articles', { article: { title: 'Feed', description: 'd', body: 'b' } }, ann)).body.article.slug;
  t.equal(feedSlug, 'feed-article', 'the route name "feed" is never a slug');
  t.equal((await c.call('GET', `/articles/${feedSlug}`)).status, 200);

  // create errors
  t.equal((await c.call('POST', '/articles', { article: { title: 'x', description: 'd', body: 'b' } })).status, 401);
  const blank = await c.call('POST', '/articles', { article: { title: '   ', description: 'd', body: 'b' } }, jake);
  t.same([blank.status, Object.keys(blank.body.errors)], [422, ['title']]);
  t.same((await c.call('POST', '/articles', { article: { description: 'd', body: 'b' } }, jake)).body, { errors: { title: ["can't be blank"] } });
  t.equal((await c.call('POST', '/articles', { article: { title: 't', description: 'd', body: 'b', tagList: 'x' } }, jake)).status, 422);

  // get
  t.same((await c.call('GET', `/articles/${art.slug}`)).body.article, art);
  t.same((await c.call('GET', '/articles/nope')).body, { errors: { article: ['not found'] } });
  t.equal((await c.call('GET', '/articles/nope')).status, 404);

  // favorites
  const fav = await c.call('POST', `/articles/${art.slug}/favorite`, undefined, ann);
  t.match([fav.status, fav.body.article], [200, { favorited: true, favoritesCount: 1 }]);
  t.match((await c.call('POST', `/articles/${art.slug}/favorite`, undefined, ann)).body.article, { favorited: true, favoritesCount: 1 }, 'idempotent');
  t.match((await c.call('POST', `/articles/${art.slug}/favorite`, undefined, jake)).body.article, { favorited: true, favoritesCount: 2 });
  t.match((await c.call('DELETE', `/articles/${art.slug}/favorite`, undefined, jake)).body.article, { favorited: false, favoritesCount: 1 });
  t.match((await c.call('DELETE', `/articles/${art.slug}/favorite`, undefined, jake)).body.article, { favorited: false, favoritesCount: 1 }, 'idempotent');
  t.equal((await c.call('POST', '/articles/nope/favorite', undefined, ann)).status, 404);
  t.equal((await c.call('DELETE', '/articles/nope/favorite', undefined, ann)).status, 404);
  t.equal((await c.call('POST', `/articles/${art.slug}/favorite`)).status, 401);
  t.equal((await c.call('DELETE', `/articles/${art.slug}/favorite`)).status, 401);

  // list + filters
  const all = await c.call('GET', '/articles');
  t.equal(all.status, 200);
  t.equal(all.body.articlesCount, 3);
  t.same(all.body.articles.map((a: any) => a.slug), [feedSlug, second.body.article.slug, art.slug], 'newest first');
  t.same((await c.call('GET', '/articles?tag=dragons')).body.articles.map((a: any) => a.slug), [art.slug]);
  t.same((await c.call('GET', '/articles?author=JAKE')).body.articlesCount, 2);
  const favd = await c.call('GET', '/articles?favorited=ann', undefined, ann);
  t.match(favd.body, { articlesCount: 1, articles: [{ slug: art.slug, favorited: true }] });
  t.same((await c.call('GET', '/articles?tag=dragons&author=ann')).body, { articles: [], articlesCount: 0 });
  t.same((await c.call('GET', '/articles?author=nobody')).body, { articles: [], articlesCount: 0 });
  const paged = await c.call('GET', '/articles?limit=1&offset=1');
  t.same([paged.body.articlesCount, paged.body.articles.length, paged.body.articles[0].slug], [3, 1, second.body.article.slug]);
  t.same((await c.call('GET', '/articles?offset=100')).body, { articles: [], articlesCount: 3 });
  for (const bad of ['limit=0', 'limit=101', 'limit=x', 'offset=-1']) {
    t.equal((await c.call('GET', `/articles?${bad}`)).status, 422, bad);
  }

  // feed
  t.equal((await c.call('GET', '/articles/feed')).status, 401);
  t.same((await c.call('GET', '/articles/feed', undefined, ann)).body, { articles: [], articlesCount: 0 });
  await c.call('POST', '/profiles/jake/follow', undefined, ann);
  const feed = await c.call('GET', '/articles/feed?limit=1', undefined, ann);
  t.match(feed.body, { articlesCount: 2, articles: [{ slug: second.body.article.slug, author: { username: 'jake', following: true } }] });
  t.match((await c.call('GET', `/articles/${art.slug}`, undefined, ann)).body.article.author, { following: true });

  // update
  t.equal((await c.call('PUT', `/articles/${art.slug}`, { article: { title: 'x' } })).status, 401);
  t.same((await c.call('PUT', `/articles/${art.slug}`, { article: { title: 'x' } }, ann)).body, { errors: { article: ['forbidden: only its author may change it'] } });
  t.equal((await c.call('PUT', `/articles/${art.slug}`, { article: { title: 'x' } }, ann)).status, 403);
  t.equal((await c.call('PUT', '/articles/nope', { article: { title: 'x' } }, jake)).status, 404);
  const up = await c.call('PUT', `/articles/${art.slug}`, { article: { title: 'Did you train your dragon?' } }, jake);
  t.match([up.status, up.body.article], [200, { slug: 'did-you-train-your-dragon', title: 'Did you train your dragon?', body: 'Very carefully.', tagList: ['dragons', 'training'], favoritesCount: 1 }]);
  t.ok(up.body.article.updatedAt > art.updatedAt);
  t.equal((await c.call('GET', `/articles/${art.slug}`)).status, 404, 'the old slug is gone');
  const up2 = await c.call('PUT', '/articles/did-you-train-your-dragon', { article: { body: 'New body', tagList: ['dragons', 'new'] } }, jake);
  t.match(up2.body.article, { slug: 'did-you-train-your-dragon', body: 'New body', tagList: ['dragons', 'new'] });
  t.equal((await c.call('PUT', '/articles/did-you-train-your-dragon', { article: { body: ' ' } }, jake)).status, 422);

  // tags
  t.same((await c.call('GET', '/tags')).body, { tags: ['dragons', 'new'] });

  // delete
  t.equal((await c.call('DELETE', '/articles/did-you-train-your-dragon')).status, 401);
  t.equal((await c.call('DELETE', '/articles/did-you-train-your-dragon', undefined, ann)).status, 403);
  t.equal((await c.call('DELETE', '/articles/nope', undefined, jake)).status, 404);
  const del = await c.call('DELETE', '/articles/did-you-train-your-dragon', undefined, jake);
  t.same([del.status, del.body], [200, {}]);
  t.equal((await c.call('GET', '/articles/did-you-train-your-dragon')).status, 404);
  t.same((await c.call('GET', '/tags')).body, { tags: [] }, 'tags without articles are not listed');
});

t.test('comments: add, list, delete', async (t) => {
  const { sql } = await testDb(t);
  const c = client(await testServer(t, sql));
  const jake = await register(c, 'jake');
  const ann = await register(c, 'ann');
  const slug = (await c.call('POST', '/articles', { article: { title: 'Commented', description: 'd', body: 'b' } }, jake)).body.article.slug;

  t.same((await c.call('GET', `/articles/${slug}/comments`)).body, { comments: [] });
  t.same((await c.call('GET', '/articles/nope/comments')).body, { errors: { article: ['not found'] } });

  const c1 = await c.call('POST', `/articles/${slug}/comments`, { comment: { body: 'Thank you so much!' } }, ann);
  t.equal(c1.status, 200);
  t.match(c1.body.comment, { id: Number, body: 'Thank you so much!', createdAt: iso, updatedAt: iso, author: { username: 'ann', following: false } });
  const c2 = await c.call('POST', `/articles/${slug}/comments`, { comment: { body: 'second' } }, jake);
  t.equal((await c.call('POST', `/articles/${slug}/comments`, { comment: { body: 'x' } })).status, 401);
  t.equal((await c.call('POST', '/articles/nope/comments', { comment: { body: 'x' } }, ann)).status, 404);
  t.same((await c.call('POST', `/articles/${slug}/comments`, { comment: {} }, ann)).body, { errors: { body: ["can't be blank"] } });
  t.equal((await c.call('POST', `/articles/${slug}/comments`, { comment: { body: '  ' } }, ann)).status, 422);

  await c.call('POST', '/profiles/ann/follow', undefined, jake);
  const list = await c.call('GET', `/articles/${slug}/comments`, undefined, jake);
  t.same(list.body.comments.map((x: any) => [x.body, x.author.username, x.author.following]),
    [['second', 'jake', false], ['Thank you so much!', 'ann', true]], 'newest first, following for the viewer');

  const id1 = c1.body.comment.id;
  t.equal((await c.call('DELETE', `/articles/${slug}/comments/${id1}`)).status, 401);
  t.same((await c.call('DELETE', `/articles/${slug}/comments/${id1}`, undefined, jake)).body, { errors: { comment: ['forbidden: only its author may change it'] } });
  t.equal((await c.call('DELETE', `/articles/${slug}/comments/999999`, undefined, ann)).status, 404);
  t.equal((await c.call('DELETE', `/articles/nope/comments/${id1}`, undefined, ann)).status, 404);
  t.equal((await c.call('DELETE', `/articles/${slug}/comments/abc`, undefined, ann)).status, 422);
  const other = (await c.call('POST', '/articles', { article: { title: 'Other', description: 'd', body: 'b' } }, ann)).body.article.slug;
  t.equal((await c.call('DELETE', `/articles/${other}/comments/${id1}`, undefined, ann)).status, 404, 'comment of another article');
  t.same((await c.call('DELETE', `/articles/${slug}/comments/${id1}`, undefined, ann)), { status: 200, body: {} });
  t.same((await c.call('GET', `/articles/${slug}/comments`)).body.comments.map((x: any) => x.id), [c2.body.comment.id]);
});

t.test('DELETE /user removes the account and everything the cascade removes', async (t) => {
  const { sql } = await testDb(t);
  const c = client(await testServer(t, sql));
  const gone = await register(c, 'gone');
  const stay = await register(c, 'stay');
  const own = (await c.call('POST', '/articles', { article: { title: 'Mine', description: 'd', body: 'b', tagList: ['t'] } }, gone)).body.article.slug;
  const theirs = (await c.call('POST', '/articles', { article: { title: 'Theirs', description: 'd', body: 'b' } }, stay)).body.article.slug;
  await c.call('POST', `/articles/${own}/comments`, { comment: { body: 'on own, by stay' } }, stay);
  await c.call('POST', `/articles/${theirs}/comments`, { comment: { body: 'by gone' } }, gone);
  await c.call('POST', `/articles/${theirs}/favorite`, undefined, gone);
  await c.call('POST', `/articles/${own}/favorite`, undefined, stay);
  await c.call('POST', '/profiles/stay/follow', undefined, gone);
  await c.call('POST', '/profiles/gone/follow', undefined, stay);

  t.equal((await c.call('DELETE', '/user')).status, 401);
  t.same(await c.call('DELETE', '/user', undefined, gone), { status: 200, body: {} });

  const counts = await sql`
    select (select count(*)::int from blog.users where username = 'gone')       as users,
           (select count(*)::int from blog.articles)                             as articles,
           (select count(*)::int from blog.comments)                             as comments,
           (select count(*)::int from blog.favorites)                            as favorites,
           (select count(*)::int from blog.follows)                              as follows,
           (select count(*)::int from blog.article_tags)                         as links`;
  t.same({ ...counts[0] }, { users: 0, articles: 1, comments: 0, favorites: 0, follows: 0, links: 0 });
  t.match((await c.call('GET', `/articles/${theirs}`)).body.article, { favoritesCount: 0 }, 'no stale count');
  t.equal((await c.call('GET', '/profiles/gone')).status, 404);
  t.equal((await c.call('POST', '/users/login', { user: { email: 'gone@example.com', password: 'password1' } })).status, 401);
});

t.test('each list endpoint runs exactly one SQL statement', async (t) => {
  const { url, sql } = await testDb(t);
  const seen: string[] = [];
  // One connection, warmed up: postgres.js reads pg_type once per connection before its first query.
  const counted = connect(url, { max: 1, options: { debug: (_conn: number, query: string) => { seen.push(query); } } });
  t.teardown(() => counted.end({ timeout: 1 }));
  await counted`select 1`;
  const setup = client(await testServer(t, sql));
  const a = await register(setup, 'reader');
  await register(setup, 'writer');
  const w = (await setup.call('POST', '/users/login', { user: { email: 'writer@example.com', password: 'password1' } })).body.user.token;
  for (let i = 0; i < 5; i++) {
    const slug = (await setup.call('POST', '/articles', { article: { title: `A${i}`, description: 'd', body: 'b', tagList: ['x', `t${i}`] } }, w)).body.article.slug;
    await setup.call('POST', `/articles/${slug}/favorite`, undefined, a);
    await setup.call('POST', `/articles/${slug}/comments`, { comment: { body: 'c' } }, a);
    await setup.call('POST', `/articles/${slug}/comments`, { comment: { body: 'd' } }, w);
  }
  await setup.call('POST', '/profiles/writer/follow', undefined, a);

  const c = client(await testServer(t, counted));
  const lists: Array<[string, number]> = [
    ['/articles', 5], ['/articles?tag=x', 5], ['/articles?author=writer&favorited=reader', 5], ['/articles/feed', 5], ['/articles/a0/comments', 2], ['/tags', 0],
  ];
  for (const [path, n] of lists) {
    seen.length = 0;
    const r = await c.call('GET', path, undefined, a);
    t.equal(r.status, 200, path);
    const items = r.body.articles ?? r.body.comments ?? r.body.tags;
    if (n) t.equal(items.length, n, `${path}: ${n} items`);
    t.equal(seen.length, 1, `${path}: one statement for ${items.length} items`, { seen: seen.map((q) => q.slice(0, 80)) });
  }
});
