// Unit tier: the sql/blog/ statements pg-mem can run, over the schema of the committed migrations,
// plus the pure helpers (slugify, normalizeTags).
//
// pg-mem cannot run most of blog's statements; they are covered by test/blog/*.ts only:
// - find_profile, find_article, favorite_article: correlated subqueries (exists / array(select)
//   over the outer row's columns) fail with "column does not exist";
// - list_articles, list_feed, update_article: a parenthesized join
//   ("left join (a join b) on true") does not parse;
// - list_comments: a lateral subquery does not see the outer row ("column a.id does not exist");
// - unfollow_user, delete_article, delete_comment: "delete ... using" does not parse;
// - create_article: no pg_get_serial_sequence();
// - update_user: no jsonb "?" operator.
// The migration loads whole but for its grants and the settings trigger (with length() and the "~" operator registered in test/helpers/pgmem.ts),
// so the CHECKs and the case-insensitive unique indexes are exercised here.
import t from 'tap';
import { normalizeTags, slugify } from '../../src/lib/blog/index.js';
import { loadSql } from '../../src/lib/core/db.js';
import { memDb } from '../helpers/pgmem.js';

const { query } = await memDb('blog', [
  // pg-mem has no plpgsql and no triggers: the write-once rule of blog.settings is tested on real
  // PostgreSQL (test/core/privileges.ts).
  { pattern: /create function blog\.settings_keep_value/, reason: 'plpgsql' },
  { pattern: /create trigger settings_keep_value/, reason: 'no triggers' },
]);
const q = loadSql('blog', [
  'get_or_create_setting',
  'create_user',
  'find_user',
  'find_user_by_email',
  'delete_user',
  'follow_user',
  'create_comment',
  'list_tags',
]);
type User = { id: number | string; email: string; username: string; bio: string | null; image: string | null };

t.test('slugify', async (t) => {
  t.equal(slugify('How to train your dragon'), 'how-to-train-your-dragon');
  t.equal(slugify('  Crème brûlée, 2nd edition!  '), 'creme-brulee-2nd-edition');
  t.equal(slugify('Feed'), 'feed-article', 'the route name is reserved');
  t.equal(slugify('日本語'), 'article', 'nothing ASCII left');
  t.equal(slugify('---'), 'article');
  const long = slugify('word '.repeat(60));
  t.ok(long.length <= 100 && !long.endsWith('-'), 'cut at 100 without a trailing dash');
});

t.test('normalizeTags trims, drops blanks, dedupes, keeps first-seen order', async (t) => {
  t.same(normalizeTags([' b', 'a', 'b ', '', '  ', 'A']), ['b', 'a', 'A']);
  t.same(normalizeTags(undefined), []);
});

t.test('get_or_create_setting keeps the first value', async (t) => {
  t.same(await query(q.get_or_create_setting.text, ['jwt_secret', 'first']), [{ value: 'first' }]);
  t.same(await query(q.get_or_create_setting.text, ['jwt_secret', 'second']), [{ value: 'first' }]);
});

t.test('users: create, find by id and by e-mail in any case, constraints', async (t) => {
  const [ann] = await query<User>(q.create_user.text, ['Ann@Example.com', 'ann', '$scrypt$ln=10,r=8,p=1$x$y']);
  t.match(ann, { email: 'Ann@Example.com', username: 'ann', bio: null, image: null });
  const [bob] = await query<User>(q.create_user.text, ['bob@example.com', 'bob', '$scrypt$ln=10,r=8,p=1$x$y']);
  t.same(await query(q.find_user.text, [ann!.id]), [ann]);
  t.match(await query(q.find_user_by_email.text, ['ANN@example.COM']), [{ id: ann!.id, password_hash: /^\$scrypt\$/ }]);
  t.same(await query(q.find_user_by_email.text, ['nobody@example.com']), []);
  await t.rejects(query(q.create_user.text, ['ann@example.com', 'other', '$scrypt$x']), 'e-mail unique in any case');
  await t.rejects(query(q.create_user.text, ['x@example.com', 'ANN', '$scrypt$x']), 'username unique in any case');
  await t.rejects(query(q.create_user.text, ['no-at-sign', 'carl', '$scrypt$x']), 'users_email_check');
  await t.rejects(query(q.create_user.text, ['c@example.com', 'has space', '$scrypt$x']), 'users_username_check');
  await t.rejects(query(q.create_user.text, ['c@example.com', 'carl', 'plaintext']), 'users_password_hash_check');

  t.same(await query(q.follow_user.text, ['ANN', bob!.id]), [
    { username: 'ann', bio: null, image: null, following: true },
  ]);
  t.same(await query(q.follow_user.text, ['nobody', bob!.id]), []);
  await t.rejects(query(q.follow_user.text, ['bob', bob!.id]), 'follows_no_self_follow');

  t.same(await query(q.delete_user.text, [bob!.id]), [{ id: bob!.id }]);
  t.same(await query(q.delete_user.text, [bob!.id]), []);
});

t.test('create_comment needs an existing article; list_tags counts links', async (t) => {
  const [u] = await query<User>(q.create_user.text, ['d@example.com', 'dora', '$scrypt$x']);
  t.same(await query(q.create_comment.text, ['nope', u!.id, 'hi']), [], 'no article: no row');
  await query(
    `insert into blog.articles (author_id, slug, title, description, body) values ($1, 'a', 'A', 'd', 'b'), ($1, 'b', 'B', 'd', 'b')`,
    [u!.id],
  );
  const [c] = await query<{ id: number; body: string; author_username: string; author_following: boolean }>(
    q.create_comment.text,
    ['a', u!.id, 'hi'],
  );
  t.match(c, { body: 'hi', author_username: 'dora', author_following: false });
  await t.rejects(query(q.create_comment.text, ['a', u!.id, '   ']), 'comments_body_check');
  await query(`insert into blog.tags (name) values ('x'), ('y'), ('unused')`);
  await query(`insert into blog.article_tags (article_id, tag) select id, 'x' from blog.articles`);
  await query(`insert into blog.article_tags (article_id, tag) select id, 'y' from blog.articles where slug = 'a'`);
  t.same(
    (await query<{ tag: string }>(q.list_tags.text, [100, 0])).map((r) => r.tag),
    ['x', 'y'],
    'most used first, unused tags not listed',
  );
  t.same(
    (await query<{ tag: string }>(q.list_tags.text, [1, 1])).map((r) => r.tag),
    ['y'],
    'limit and offset',
  );
  await t.rejects(
    query(`insert into blog.articles (author_id, slug, title, description, body) values ($1, 'feed', 'F', 'd', 'b')`, [
      u!.id,
    ]),
    'articles_slug_check reserves feed',
  );
});
