/**
 * `npm run bench -- blog`: latency of the blog list statements on a seeded database (library level,
 * one connection, so the figures are the SQL's), and throughput of favorite/unfavorite racing on one
 * hot article. Each list is one statement; the numbers show what that statement costs as the data
 * grows, and that the prepared statements keep their index plans after PostgreSQL switches them to
 * generic plans (every query runs far more than the 5 custom-plan executions).
 *
 * Seed (SQL, generate_series): USERS users, ARTICLES articles (3 tags each out of 200), 5 favorites
 * on every third article, each user following 50 others, 2 comments per article.
 */
import { connect } from '../src/lib/core/db.js';
import * as blog from '../src/lib/blog/index.js';
import { benchServer, freshDatabase, progress, report, type Row } from './lib.js';

const USERS = Number(process.env.BENCH_BLOG_USERS ?? 10_000);
const ARTICLES = Number(process.env.BENCH_BLOG_ARTICLES ?? 100_000);
const RUNS = Number(process.env.BENCH_BLOG_RUNS ?? 100);

const server = await benchServer();
const db = await freshDatabase(server, 'blog');
const sql = connect(db.url, { max: 8 });
try {
  const t0 = performance.now();
  await sql.begin(async (tx) => {
    await tx`insert into blog.users (email, username, password_hash)
             select 'u' || g || '@example.com', 'u' || g, '$scrypt$bench' from generate_series(1, ${USERS}::int) g`;
    await tx`insert into blog.articles (author_id, slug, title, description, body, created_at)
             select 1 + g % ${USERS}::int, 'a-' || g, 'A ' || g, 'd', 'b', now() - g * interval '1 minute'
               from generate_series(1, ${ARTICLES}::int) g`;
    await tx`insert into blog.tags (name) select 't' || g from generate_series(1, 200) g`;
    await tx`insert into blog.article_tags select a.id, 't' || (1 + (a.id * 7 + k) % 200) from blog.articles a, generate_series(0, 2) k`;
    await tx`insert into blog.favorites select 1 + (a.id + k * 997) % ${USERS}::int, a.id
               from blog.articles a, generate_series(0, 4) k where a.id % 3 = 0 on conflict do nothing`;
    await tx`insert into blog.follows select u.id, 1 + (u.id + k * 31) % ${USERS}::int
               from blog.users u, generate_series(1, 50) k where 1 + (u.id + k * 31) % ${USERS}::int <> u.id on conflict do nothing`;
    await tx`insert into blog.comments (article_id, author_id, body) select a.id, 1 + (a.id + k) % ${USERS}::int, 'c'
               from blog.articles a, generate_series(1, 2) k`;
  });
  await sql`vacuum analyze`; // steady state: visibility map set, as autovacuum would leave it
  const seedMs = performance.now() - t0;

  // The most favorited user's name, a popular tag, a prolific author.
  const viewer = '1';
  const cases: Array<[string, () => Promise<number>]> = [
    ['list_articles (no filter)', async () => (await blog.listArticles(sql, {}, viewer)).articles.length],
    ['list_articles ?tag=', async () => (await blog.listArticles(sql, { tag: 't7' }, viewer)).articles.length],
    ['list_articles ?author=', async () => (await blog.listArticles(sql, { author: 'u42' }, viewer)).articles.length],
    [
      'list_articles ?favorited=',
      async () => (await blog.listArticles(sql, { favorited: 'u42' }, viewer)).articles.length,
    ],
    [
      'list_articles ?tag=&author=',
      async () => (await blog.listArticles(sql, { tag: 't7', author: 'u42' }, viewer)).articles.length,
    ],
    ['list_feed', async () => (await blog.listFeed(sql, viewer)).articles.length],
    ['list_articles offset 5000', async () => (await blog.listArticles(sql, { offset: 5000 }, viewer)).articles.length],
    ['find_article', async () => ((await blog.getArticle(sql, 'a-4242', viewer)) ? 1 : 0)],
    ['list_comments', async () => (await blog.listComments(sql, 'a-4242', viewer)).length],
    ['list_tags', async () => (await blog.listTags(sql)).length],
  ];
  const rows: Row[] = [];
  for (const [name, run] of cases) {
    const times: number[] = [];
    let items = 0;
    for (let i = 0; i < RUNS + 10; i++) {
      const s = performance.now();
      items = await run();
      if (i >= 10) times.push(performance.now() - s); // the first 10 warm caches and plans
      progress(name, i + 1, RUNS + 10);
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
    rows.push({ query: name, items, 'p50 ms': pct(0.5), 'p95 ms': pct(0.95), 'max ms': times[times.length - 1]! });
  }

  // Favorite/unfavorite races on one article from 8 connections; then the count must equal the rows.
  const hot = 'a-3';
  const ops = 4000;
  let done = 0;
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = w; i < ops; i += 8) {
        const user = 1 + (i % 500);
        if (i % 3 === 2) await blog.unfavoriteArticle(sql, user, hot);
        else await blog.favoriteArticle(sql, user, hot);
        if (++done % 500 === 0) progress('favorite/unfavorite race', done, ops);
      }
    }),
  );
  const secs = (performance.now() - t1) / 1000;
  const [check] = await sql<
    { rows: number }[]
  >`select count(*)::int as rows from blog.favorites f join blog.articles a on a.id = f.article_id where a.slug = ${hot}`;
  const count = (await blog.getArticle(sql, hot, null)).favorites_count;
  if (count !== check!.rows) throw new Error(`favoritesCount ${count} != ${check!.rows} rows`);
  rows.push({
    query: `favorite/unfavorite x${ops}, 8 conns`,
    items: count,
    'p50 ms': null,
    'p95 ms': null,
    'max ms': null,
    'ops/s': Math.round(ops / secs),
  });

  report('blog', server, rows, {
    users: USERS,
    articles: ARTICLES,
    runs: RUNS,
    seedSeconds: Math.round(seedMs / 100) / 10,
  });
} finally {
  await sql.end({ timeout: 5 });
  await db.drop();
  await server.stop();
}
