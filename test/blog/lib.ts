/**
 * pg-grind/blog on real PostgreSQL: the concurrency claims (distinct slugs for same-title
 * articles created at once; exact favoritesCount under many concurrent favorite/unfavorite
 * calls), the cascades (rows really gone), and the library's error classes.
 */
import t from 'tap';
import * as blog from '../../src/lib/blog/index.js';
import { loadSql, many } from '../../src/lib/core/db.js';
import { NotFound } from '../../src/lib/core/errors.js';
import { testDb } from '../helpers/db.js';

// Many connections, clones and requests per file: on a loaded shared machine this file can run past
// tap's default 30 s. The budget is for the harness only; no assertion depends on time.
t.setTimeout(120_000);

const cheap = { log2N: 10 };

async function users(sql: import('../../src/lib/core/db.js').Pool, n: number, prefix = 'u') {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      blog.registerUser(
        sql,
        { email: `${prefix}${i}@example.com`, username: `${prefix}${i}`, password: 'password1' },
        cheap,
      ),
    ),
  );
}

t.test('same-title articles created concurrently get distinct slugs', async (t) => {
  const { sql } = await testDb(t, { max: 12 });
  const [author] = await users(sql, 1);
  const n = 24;
  const created = await Promise.all(
    Array.from({ length: n }, () =>
      blog.createArticle(sql, author!.id, {
        title: 'Same Title',
        description: 'd',
        body: 'b',
        tagList: ['race', 'same'],
      }),
    ),
  );
  const slugs = new Set(created.map((a) => a.slug));
  t.equal(slugs.size, n, 'all distinct');
  t.ok(slugs.has('same-title'), 'one got the bare slug');
  t.ok([...slugs].every((s) => /^same-title(-\d+)?$/.test(s)));
  const [row] = await sql`select count(*)::int as n, count(distinct slug)::int as d from blog.articles`;
  t.same({ ...row }, { n, d: n });
  const [links] = await sql`select count(*)::int as n from blog.article_tags`;
  t.equal(links!.n, 2 * n, 'every article has both tags, even when another transaction created the tag');
});

t.test('concurrent articles with the same new tags in opposite orders do not deadlock', async (t) => {
  const { sql } = await testDb(t, { max: 12 });
  const [author] = await users(sql, 1);
  for (let round = 0; round < 5; round++) {
    const tags = ['alpha', 'beta', 'gamma', 'delta'].map((x) => `${x}${round}`);
    const made = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        blog.createArticle(sql, author!.id, {
          title: `R${round} ${i}`,
          description: 'd',
          body: 'b',
          tagList: i % 2 ? tags : [...tags].reverse(),
        }),
      ),
    );
    t.ok(
      made.every((a) => a.tag_list.length === 4),
      `round ${round}: every article got its 4 tags`,
    );
  }
});

t.test('concurrent renames to one title get distinct slugs', async (t) => {
  const { sql } = await testDb(t, { max: 12 });
  const [author] = await users(sql, 1);
  const arts = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      blog.createArticle(sql, author!.id, { title: `Draft ${i}`, description: 'd', body: 'b' }),
    ),
  );
  const renamed = await Promise.all(arts.map((a) => blog.updateArticle(sql, author!.id, a.slug, { title: 'Final' })));
  t.equal(new Set(renamed.map((a) => a.slug)).size, 10);
  t.ok(renamed.some((a) => a.slug === 'final'));
});

t.test('favoritesCount stays exact under concurrent favorite/unfavorite', async (t) => {
  const { sql } = await testDb(t, { max: 16 });
  const us = await users(sql, 30);
  const art = await blog.createArticle(sql, us[0]!.id, { title: 'Popular', description: 'd', body: 'b' });
  // Every user favorites, unfavorites and favorites again, each call racing all the others;
  // the even users then unfavorite once more. Expected: the 15 odd users.
  await Promise.all(
    us.map(async (u) => {
      await blog.favoriteArticle(sql, u.id, art.slug);
      await Promise.all([
        blog.unfavoriteArticle(sql, u.id, art.slug),
        blog.favoriteArticle(sql, us[(Number(u.id) + 7) % 30]!.id, art.slug),
      ]);
      await blog.favoriteArticle(sql, u.id, art.slug);
    }),
  );
  await Promise.all(us.filter((_, i) => i % 2 === 0).map((u) => blog.unfavoriteArticle(sql, u.id, art.slug)));
  const [rows] = await sql`select count(*)::int as n from blog.favorites`;
  const seen = await blog.getArticle(sql, art.slug, null);
  t.equal(rows!.n, 15);
  t.equal(seen.favorites_count, 15);
  const page = await blog.listArticles(sql, {}, us[1]!.id);
  t.match(page.articles[0], { favorites_count: 15, favorited: true });
  t.match(await blog.getArticle(sql, art.slug, us[0]!.id), { favorited: false });
});

t.test('list_articles without filters agrees with list_recent_articles', async (t) => {
  const { sql } = await testDb(t);
  const [a, b] = await users(sql, 2);
  for (let i = 0; i < 5; i++)
    await blog.createArticle(sql, i % 2 ? a!.id : b!.id, {
      title: `T${i}`,
      description: 'd',
      body: 'b',
      tagList: [`t${i}`],
    });
  await blog.favoriteArticle(sql, a!.id, 't3');
  const q = loadSql('blog', ['list_articles']);
  const raw = await many(sql, q.list_articles, [null, null, null, a!.id, 3, 1]);
  const page = await blog.listArticles(sql, { limit: 3, offset: 1 }, a!.id);
  t.same(
    raw.map((r) => r.slug),
    page.articles.map((r) => r.slug),
  );
  t.same(
    raw.map((r) => r.slug),
    ['t3', 't2', 't1'],
  );
  t.equal(raw[0]!.articles_count, 5);
  t.equal(raw[0]!.favorited, true);
  t.same(await blog.listArticles(sql, { offset: 10 }, null), { articles: [], articles_count: 5 });
});

t.test('deleting an article removes its comments, favorites and tag links', async (t) => {
  const { sql } = await testDb(t);
  const [a, b] = await users(sql, 2);
  const art = await blog.createArticle(sql, a!.id, {
    title: 'Doomed',
    description: 'd',
    body: 'b',
    tagList: ['x', 'y'],
  });
  await blog.createComment(sql, b!.id, art.slug, 'c');
  await blog.favoriteArticle(sql, b!.id, art.slug);
  await blog.deleteArticle(sql, a!.id, art.slug);
  const [r] =
    await sql`select (select count(*)::int from blog.comments) c, (select count(*)::int from blog.favorites) f,
                               (select count(*)::int from blog.article_tags) l, (select count(*)::int from blog.tags) t`;
  t.same({ ...r }, { c: 0, f: 0, l: 0, t: 2 }, 'the tags themselves stay in the vocabulary');
  await t.rejects(blog.deleteArticle(sql, a!.id, art.slug), NotFound);
});

t.test('library errors', async (t) => {
  const { sql } = await testDb(t);
  const [a, b] = await users(sql, 2);
  await t.rejects(blog.registerUser(sql, { email: 'U0@example.com', username: 'new', password: 'password1' }, cheap), {
    name: 'UniqueViolation',
    constraint: 'users_email_key',
  });
  await t.rejects(blog.followUser(sql, a!.id, 'u0'), { name: 'CheckViolation', constraint: 'follows_no_self_follow' });
  await t.rejects(blog.getUser(sql, 999), NotFound);
  await t.rejects(blog.updateUser(sql, 999, { bio: 'x' }), NotFound);
  await t.rejects(blog.deleteUser(sql, 999), NotFound);
  const art = await blog.createArticle(sql, a!.id, { title: 'Mine', description: 'd', body: 'b' });
  await t.rejects(blog.updateArticle(sql, b!.id, art.slug, { body: 'x' }), blog.NotAuthor);
  await t.rejects(blog.deleteArticle(sql, b!.id, art.slug), blog.NotAuthor);
  const c = await blog.createComment(sql, a!.id, art.slug, 'c');
  await t.rejects(blog.deleteComment(sql, b!.id, art.slug, c.id), blog.NotAuthor);
  await t.rejects(blog.listComments(sql, 'nope', null), NotFound);
  t.equal(await blog.logIn(sql, 'u0@example.com', 'wrong', cheap), undefined);
  t.equal(await blog.logIn(sql, 'nobody@example.com', 'password1', cheap), undefined);
});

t.test('login upgrades a hash made with other scrypt parameters', async (t) => {
  const { sql } = await testDb(t);
  await blog.registerUser(sql, { email: 'a@example.com', username: 'a', password: 'password1' }, cheap);
  const u = await blog.logIn(sql, 'a@example.com', 'password1', { log2N: 11 });
  t.equal(u?.username, 'a');
  const [row] = await sql`select password_hash, token_version from blog.users`;
  t.match(row!.password_hash, /^\$scrypt\$ln=11,/);
  t.equal(row!.token_version, 0, 'the same password rehashed is no credential change: tokens stay valid');
  t.equal((await blog.logIn(sql, 'a@example.com', 'password1', { log2N: 11 }))?.username, 'a');
});

t.test("token versions: getSessionUser, and updateUser with the caller's version", async (t) => {
  const { sql } = await testDb(t);
  const u = await blog.registerUser(sql, { email: 'v@example.com', username: 'v', password: 'password1' }, cheap);
  t.equal(u.token_version, 0);
  t.equal((await blog.getSessionUser(sql, u.id, 0)).username, 'v');
  const changed = await blog.updateUser(sql, u.id, { password: 'password2' }, cheap, 0);
  t.equal(changed.token_version, 1, 'bumped by the same UPDATE');
  await t.rejects(blog.getSessionUser(sql, u.id, 0), blog.TokenRevoked);
  await t.rejects(
    blog.updateUser(sql, u.id, { bio: 'x' }, cheap, 0),
    blog.TokenRevoked,
    'no update with a stale version',
  );
  t.equal((await blog.getUser(sql, u.id)).bio, null, 'nothing written');
  t.equal((await blog.updateUser(sql, u.id, { email: 'V@EXAMPLE.com' }, cheap, 1)).token_version, 1, 'case only');
  t.equal((await blog.updateUser(sql, u.id, { email: 'w@example.com' })).token_version, 2, 'without a version check');
  await t.rejects(blog.getSessionUser(sql, 999, 0), NotFound);
});

t.test('the signing secret is generated once, also under concurrent first use', async (t) => {
  const { sql } = await testDb(t, { max: 8 });
  const secrets = await Promise.all(Array.from({ length: 8 }, () => blog.getSigningSecret(sql)));
  t.equal(new Set(secrets).size, 1);
  t.ok(secrets[0]!.length >= 32);
  t.equal(await blog.getSigningSecret(sql, 'configured'), 'configured');
});
