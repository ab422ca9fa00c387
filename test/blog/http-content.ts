/**
 * /blog/api end to end on real PostgreSQL, content: profiles and follows, articles (filters, feed,
 * update, delete, favorites, tags), comments, account deletion with its cascades, and the
 * one-statement-per-list claim (statements counted with postgres.js' debug hook).
 */
import t from 'tap';
import { connect } from '../../src/lib/core/db.js';
import { client, iso, register } from '../helpers/blog.js';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';

// Many connections, clones and requests per file: on a loaded shared machine this file can run past
// tap's default 30 s. The budget is for the harness only; no assertion depends on time.
t.setTimeout(120_000);

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
  t.same((await c.call('POST', '/profiles/alice/follow', undefined, a)).body, {
    errors: { profile: ['cannot follow yourself'] },
  });
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

  const created = await c.call(
    'POST',
    '/articles',
    {
      article: {
        title: 'How to train your dragon',
        description: 'Ever wonder how?',
        body: 'Very carefully.',
        tagList: ['training', 'dragons', ' dragons ', ''],
      },
    },
    jake,
  );
  t.equal(created.status, 201);
  const art = created.body.article;
  t.same(Object.keys(art).sort(), [
    'author',
    'body',
    'createdAt',
    'description',
    'favorited',
    'favoritesCount',
    'slug',
    'tagList',
    'title',
    'updatedAt',
  ]);
  t.match(art, {
    slug: 'how-to-train-your-dragon',
    tagList: ['dragons', 'training'],
    favorited: false,
    favoritesCount: 0,
    createdAt: iso,
    updatedAt: iso,
    author: { username: 'jake', bio: null, image: null, following: false },
  });

  const second = await c.call(
    'POST',
    '/articles',
    { article: { title: 'How to train your dragon', description: 'again', body: 'b' } },
    jake,
  );
  t.match(second.body.article, { slug: /^how-to-train-your-dragon-\d+$/, tagList: [] });
  const feedSlug = (await c.call('POST', '/articles', { article: { title: 'Feed', description: 'd', body: 'b' } }, ann))
    .body.article.slug;
  t.equal(feedSlug, 'feed-article', 'the route name "feed" is never a slug');
  t.equal((await c.call('GET', `/articles/${feedSlug}`)).status, 200);

  // create errors
  t.equal((await c.call('POST', '/articles', { article: { title: 'x', description: 'd', body: 'b' } })).status, 401);
  const blank = await c.call('POST', '/articles', { article: { title: '   ', description: 'd', body: 'b' } }, jake);
  t.same([blank.status, Object.keys(blank.body.errors)], [422, ['title']]);
  t.same((await c.call('POST', '/articles', { article: { description: 'd', body: 'b' } }, jake)).body, {
    errors: { title: ["can't be blank"] },
  });
  t.equal(
    (await c.call('POST', '/articles', { article: { title: 't', description: 'd', body: 'b', tagList: 'x' } }, jake))
      .status,
    422,
  );

  // get
  t.same((await c.call('GET', `/articles/${art.slug}`)).body.article, art);
  t.same((await c.call('GET', '/articles/nope')).body, { errors: { article: ['not found'] } });
  t.equal((await c.call('GET', '/articles/nope')).status, 404);

  // favorites
  const fav = await c.call('POST', `/articles/${art.slug}/favorite`, undefined, ann);
  t.match([fav.status, fav.body.article], [200, { favorited: true, favoritesCount: 1 }]);
  t.match(
    (await c.call('POST', `/articles/${art.slug}/favorite`, undefined, ann)).body.article,
    { favorited: true, favoritesCount: 1 },
    'idempotent',
  );
  t.match((await c.call('POST', `/articles/${art.slug}/favorite`, undefined, jake)).body.article, {
    favorited: true,
    favoritesCount: 2,
  });
  t.match((await c.call('DELETE', `/articles/${art.slug}/favorite`, undefined, jake)).body.article, {
    favorited: false,
    favoritesCount: 1,
  });
  t.match(
    (await c.call('DELETE', `/articles/${art.slug}/favorite`, undefined, jake)).body.article,
    { favorited: false, favoritesCount: 1 },
    'idempotent',
  );
  t.equal((await c.call('POST', '/articles/nope/favorite', undefined, ann)).status, 404);
  t.equal((await c.call('DELETE', '/articles/nope/favorite', undefined, ann)).status, 404);
  t.equal((await c.call('POST', `/articles/${art.slug}/favorite`)).status, 401);
  t.equal((await c.call('DELETE', `/articles/${art.slug}/favorite`)).status, 401);

  // list + filters
  const all = await c.call('GET', '/articles');
  t.equal(all.status, 200);
  t.equal(all.body.articlesCount, 3);
  t.same(
    all.body.articles.map((a: any) => a.slug),
    [feedSlug, second.body.article.slug, art.slug],
    'newest first',
  );
  t.same(
    (await c.call('GET', '/articles?tag=dragons')).body.articles.map((a: any) => a.slug),
    [art.slug],
  );
  t.same((await c.call('GET', '/articles?author=JAKE')).body.articlesCount, 2);
  const favd = await c.call('GET', '/articles?favorited=ann', undefined, ann);
  t.match(favd.body, { articlesCount: 1, articles: [{ slug: art.slug, favorited: true }] });
  t.same((await c.call('GET', '/articles?tag=dragons&author=ann')).body, { articles: [], articlesCount: 0 });
  t.same((await c.call('GET', '/articles?author=nobody')).body, { articles: [], articlesCount: 0 });
  const paged = await c.call('GET', '/articles?limit=1&offset=1');
  t.same(
    [paged.body.articlesCount, paged.body.articles.length, paged.body.articles[0].slug],
    [3, 1, second.body.article.slug],
  );
  t.same((await c.call('GET', '/articles?offset=100')).body, { articles: [], articlesCount: 3 });
  for (const bad of ['limit=0', 'limit=101', 'limit=x', 'offset=-1']) {
    t.equal((await c.call('GET', `/articles?${bad}`)).status, 422, bad);
  }

  // feed
  t.equal((await c.call('GET', '/articles/feed')).status, 401);
  t.same((await c.call('GET', '/articles/feed', undefined, ann)).body, { articles: [], articlesCount: 0 });
  await c.call('POST', '/profiles/jake/follow', undefined, ann);
  const feed = await c.call('GET', '/articles/feed?limit=1', undefined, ann);
  t.match(feed.body, {
    articlesCount: 2,
    articles: [{ slug: second.body.article.slug, author: { username: 'jake', following: true } }],
  });
  t.match((await c.call('GET', `/articles/${art.slug}`, undefined, ann)).body.article.author, { following: true });

  // update
  t.equal((await c.call('PUT', `/articles/${art.slug}`, { article: { title: 'x' } })).status, 401);
  t.same((await c.call('PUT', `/articles/${art.slug}`, { article: { title: 'x' } }, ann)).body, {
    errors: { article: ['forbidden: only its author may change it'] },
  });
  t.equal((await c.call('PUT', `/articles/${art.slug}`, { article: { title: 'x' } }, ann)).status, 403);
  t.equal((await c.call('PUT', '/articles/nope', { article: { title: 'x' } }, jake)).status, 404);
  const up = await c.call('PUT', `/articles/${art.slug}`, { article: { title: 'Did you train your dragon?' } }, jake);
  t.match(
    [up.status, up.body.article],
    [
      200,
      {
        slug: 'did-you-train-your-dragon',
        title: 'Did you train your dragon?',
        body: 'Very carefully.',
        tagList: ['dragons', 'training'],
        favoritesCount: 1,
      },
    ],
  );
  t.ok(up.body.article.updatedAt > art.updatedAt);
  t.equal((await c.call('GET', `/articles/${art.slug}`)).status, 404, 'the old slug is gone');
  const up2 = await c.call(
    'PUT',
    '/articles/did-you-train-your-dragon',
    { article: { body: 'New body', tagList: ['dragons', 'new'] } },
    jake,
  );
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
  const slug = (
    await c.call('POST', '/articles', { article: { title: 'Commented', description: 'd', body: 'b' } }, jake)
  ).body.article.slug;

  t.same((await c.call('GET', `/articles/${slug}/comments`)).body, { comments: [] });
  t.same((await c.call('GET', '/articles/nope/comments')).body, { errors: { article: ['not found'] } });

  const c1 = await c.call('POST', `/articles/${slug}/comments`, { comment: { body: 'Thank you so much!' } }, ann);
  t.equal(c1.status, 200);
  t.match(c1.body.comment, {
    id: Number,
    body: 'Thank you so much!',
    createdAt: iso,
    updatedAt: iso,
    author: { username: 'ann', following: false },
  });
  const c2 = await c.call('POST', `/articles/${slug}/comments`, { comment: { body: 'second' } }, jake);
  t.equal((await c.call('POST', `/articles/${slug}/comments`, { comment: { body: 'x' } })).status, 401);
  t.equal((await c.call('POST', '/articles/nope/comments', { comment: { body: 'x' } }, ann)).status, 404);
  t.same((await c.call('POST', `/articles/${slug}/comments`, { comment: {} }, ann)).body, {
    errors: { body: ["can't be blank"] },
  });
  t.equal((await c.call('POST', `/articles/${slug}/comments`, { comment: { body: '  ' } }, ann)).status, 422);

  await c.call('POST', '/profiles/ann/follow', undefined, jake);
  const list = await c.call('GET', `/articles/${slug}/comments`, undefined, jake);
  t.same(
    list.body.comments.map((x: any) => [x.body, x.author.username, x.author.following]),
    [
      ['second', 'jake', false],
      ['Thank you so much!', 'ann', true],
    ],
    'newest first, following for the viewer',
  );

  const id1 = c1.body.comment.id;
  t.equal((await c.call('DELETE', `/articles/${slug}/comments/${id1}`)).status, 401);
  t.same((await c.call('DELETE', `/articles/${slug}/comments/${id1}`, undefined, jake)).body, {
    errors: { comment: ['forbidden: only its author may change it'] },
  });
  t.equal((await c.call('DELETE', `/articles/${slug}/comments/999999`, undefined, ann)).status, 404);
  t.equal((await c.call('DELETE', `/articles/nope/comments/${id1}`, undefined, ann)).status, 404);
  t.equal((await c.call('DELETE', `/articles/${slug}/comments/abc`, undefined, ann)).status, 422);
  const other = (await c.call('POST', '/articles', { article: { title: 'Other', description: 'd', body: 'b' } }, ann))
    .body.article.slug;
  t.equal(
    (await c.call('DELETE', `/articles/${other}/comments/${id1}`, undefined, ann)).status,
    404,
    'comment of another article',
  );
  t.same(await c.call('DELETE', `/articles/${slug}/comments/${id1}`, undefined, ann), { status: 200, body: {} });
  t.same(
    (await c.call('GET', `/articles/${slug}/comments`)).body.comments.map((x: any) => x.id),
    [c2.body.comment.id],
  );
});

t.test('DELETE /user removes the account and everything the cascade removes', async (t) => {
  const { sql } = await testDb(t);
  const c = client(await testServer(t, sql));
  const gone = await register(c, 'gone');
  const stay = await register(c, 'stay');
  const own = (
    await c.call('POST', '/articles', { article: { title: 'Mine', description: 'd', body: 'b', tagList: ['t'] } }, gone)
  ).body.article.slug;
  const theirs = (
    await c.call('POST', '/articles', { article: { title: 'Theirs', description: 'd', body: 'b' } }, stay)
  ).body.article.slug;
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
  t.equal(
    (await c.call('POST', '/users/login', { user: { email: 'gone@example.com', password: 'password1' } })).status,
    401,
  );
});

t.test('each list endpoint runs exactly one SQL statement', async (t) => {
  const { url, sql, pooled } = await testDb(t);
  const seen: string[] = [];
  // One connection, warmed up: postgres.js reads pg_type once per connection before its first query.
  const counted = connect(url, {
    max: 1,
    prepare: !pooled,
    options: {
      debug: (_conn: number, query: string) => {
        seen.push(query);
      },
    },
  });
  t.teardown(() => counted.end({ timeout: 1 }));
  await counted`select 1`;
  const setup = client(await testServer(t, sql));
  const a = await register(setup, 'reader');
  await register(setup, 'writer');
  const w = (await setup.call('POST', '/users/login', { user: { email: 'writer@example.com', password: 'password1' } }))
    .body.user.token;
  for (let i = 0; i < 5; i++) {
    const slug = (
      await setup.call(
        'POST',
        '/articles',
        { article: { title: `A${i}`, description: 'd', body: 'b', tagList: ['x', `t${i}`] } },
        w,
      )
    ).body.article.slug;
    await setup.call('POST', `/articles/${slug}/favorite`, undefined, a);
    await setup.call('POST', `/articles/${slug}/comments`, { comment: { body: 'c' } }, a);
    await setup.call('POST', `/articles/${slug}/comments`, { comment: { body: 'd' } }, w);
  }
  await setup.call('POST', '/profiles/writer/follow', undefined, a);

  const c = client(await testServer(t, counted));
  const lists: Array<[string, number]> = [
    ['/articles', 5],
    ['/articles?tag=x', 5],
    ['/articles?author=writer&favorited=reader', 5],
    ['/articles/feed', 5],
    ['/articles/a0/comments', 2],
    ['/tags', 0],
  ];
  for (const [path, n] of lists) {
    seen.length = 0;
    const r = await c.call('GET', path, undefined, a);
    t.equal(r.status, 200, path);
    const items = r.body.articles ?? r.body.comments ?? r.body.tags;
    if (n) t.equal(items.length, n, `${path}: ${n} items`);
    // Beside the list, the token's check: one primary-key lookup of the viewer (find_user),
    // whatever the number of items.
    const lists = seen.filter((q) => !q.startsWith('-- find_user:'));
    t.equal(seen.length - lists.length, path === '/tags' ? 0 : 1, `${path}: the session check, if any, once`);
    t.equal(lists.length, 1, `${path}: one statement for ${items.length} items`, {
      seen: seen.map((q) => q.slice(0, 80)),
    });
  }
});

t.test('comments and tags are capped lists: limit and offset beyond the RealWorld spec', async (t) => {
  const { sql } = await testDb(t);
  const c = client(await testServer(t, sql));
  const jake = await register(c, 'jake');
  const slug = (await c.call('POST', '/articles', { article: { title: 'Popular', description: 'd', body: 'b' } }, jake))
    .body.article.slug;
  // Set-based, straight into the tables: 501 comments (one more than the largest page), one a
  // second apart so "newest first" is unambiguous, and 101 tags used 1..101 times by name order.
  await sql`
    insert into blog.comments (article_id, author_id, body, created_at)
    select a.id, a.author_id, 'comment ' || g, now() - make_interval(secs => 1000 - g)
      from blog.articles a, generate_series(1, 501) g
     where a.slug = ${slug}`;
  await sql`insert into blog.tags (name) select 'tag' || lpad(g::text, 3, '0') from generate_series(1, 101) g`;
  await sql`
    insert into blog.articles (slug, title, description, body, author_id)
    select 'filler-' || g, 'Filler ' || g, 'd', 'b', author_id
      from blog.articles, generate_series(1, 101) g
     where slug = ${slug}`;
  await sql`
    insert into blog.article_tags (article_id, tag)
    select a.id, 'tag' || lpad(g::text, 3, '0')
      from generate_series(1, 101) g
      join blog.articles a on a.slug ~ '^filler-' and substr(a.slug, 8)::int <= g`;

  const first = (await c.call('GET', `/articles/${slug}/comments`)).body.comments;
  t.equal(first.length, 100, 'the default page is 100 comments');
  t.same([first[0].body, first[99].body], ['comment 501', 'comment 402'], 'newest first');
  const all = (await c.call('GET', `/articles/${slug}/comments?limit=500`)).body.comments;
  t.equal(all.length, 500, 'at most 500 per request');
  t.same(
    (await c.call('GET', `/articles/${slug}/comments?limit=500&offset=500`)).body.comments.map((x: any) => x.body),
    ['comment 1'],
  );
  t.same(
    (await c.call('GET', `/articles/${slug}/comments?offset=100000`)).body,
    { comments: [] },
    'past the end: no 404',
  );
  t.equal((await c.call('GET', `/articles/${slug}/comments?limit=501`)).status, 422);
  t.equal((await c.call('GET', `/articles/${slug}/comments?offset=-1`)).status, 422);
  t.equal((await c.call('GET', '/articles/nope/comments?offset=5')).status, 404);

  const tags = (await c.call('GET', '/tags')).body.tags;
  t.equal(tags.length, 100, 'the default is the 100 most used tags');
  t.same([tags[0], tags[99]], ['tag101', 'tag002']);
  t.same((await c.call('GET', '/tags?limit=500&offset=100')).body, { tags: ['tag001'] });
  t.equal((await c.call('GET', '/tags?limit=501')).status, 422);
});
