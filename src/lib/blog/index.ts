/**
 * pg-grind/blog: a RealWorld ("Conduit") blog over PostgreSQL: users with hashed passwords and
 * signed tokens, follows, articles with tags, favorites and comments. Every list is one SQL
 * statement that also computes the viewer's favorited/following flags; every foreign key's ON
 * DELETE is chosen in the migration. Every function takes `db` (pool or transaction) first; the
 * SQL is in sql/blog/.
 */
import { randomBytes } from 'node:crypto';
import { loadSql, many, maybeOne, type Db, type ParamsOf, type RowOf } from '../core/db.js';
import { Forbidden, found, PgGrindError, TransientConflict, UniqueViolation } from '../core/errors.js';
import { pageLimit, type PageSize } from '../core/page.js';
import { hashPassword, needsRehash, verifyNothing, verifyPassword, type PasswordOptions } from '../core/password.js';

const q = loadSql('blog', [
  'get_or_create_setting',
  'create_user',
  'find_user',
  'find_user_by_email',
  'update_user',
  'rehash_password',
  'delete_user',
  'find_profile',
  'follow_user',
  'unfollow_user',
  'list_articles',
  'list_recent_articles',
  'list_feed',
  'find_article',
  'create_article',
  'update_article',
  'delete_article',
  'favorite_article',
  'unfavorite_article',
  'list_comments',
  'create_comment',
  'delete_comment',
  'list_tags',
]);

/** A user id (bigint: a string when read, a number or string when given). */
export type UserId = string | number;

/**
 * The account as its owner sees it (no password hash). `token_version` is what its tokens must
 * carry: a new password or e-mail bumps it, which revokes every token issued before.
 */
export type User = RowOf<typeof q.find_user>;

/** A user as another user sees them; `following`: whether the viewer follows them (false for anonymous viewers). */
export type Profile = RowOf<typeof q.find_profile>;

/**
 * An article as the viewer sees it: its tags, its favorites count (counted from blog.favorites),
 * whether the viewer favorited it and follows the author.
 */
export type Article = RowOf<typeof q.find_article>;

export interface ArticlePage {
  articles: Article[];
  /** Number of articles matching the filters, all pages together. */
  articles_count: number;
}

export type Comment = RowOf<typeof q.create_comment>;

export interface NewUser {
  email: string;
  username: string;
  password: string;
}
/** Fields to change; absent fields are kept; bio and image may be set to null. */
export interface UserPatch {
  email?: string;
  username?: string;
  password?: string;
  bio?: string | null;
  image?: string | null;
}
export interface NewArticle {
  title: string;
  description: string;
  body: string;
  tagList?: string[];
}
/** Fields to change; absent fields are kept. A new title moves the slug; tagList replaces the tags. */
export interface ArticlePatch {
  title?: string;
  description?: string;
  body?: string;
  tagList?: string[];
}
export interface Paging {
  limit?: number;
  offset?: number;
}
export interface ArticleFilters extends Paging {
  tag?: string;
  author?: string;
  favorited?: string;
}

/** RealWorld's page size (20) with a cap; 0 is allowed here (the count without rows), HTTP asks for at least 1. */
export const PAGE_SIZE: PageSize = { default: 20, max: 100, min: 0 };
/**
 * Comments and tags: RealWorld lists them whole, which lets one article's (or the site's) history
 * make one response unbounded; a default page of 100 bounds it, `limit` (at most 500) and
 * `offset` reach the rest.
 */
export const COMMENT_PAGE_SIZE: PageSize = { default: 100, max: 500 };
export const TAG_PAGE_SIZE: PageSize = { default: 100, max: 500 };
/** Bounded retries of a statement that lost a slug race (see create_article.sql). */
const SLUG_ATTEMPTS = 5;

/** The viewer tried to change or delete an article or comment someone else wrote. */
export class NotAuthor extends Forbidden {
  override name = 'NotAuthor';
  constructor(override readonly entity: 'article' | 'comment') {
    super(`change this ${entity}`, entity);
  }
}

/**
 * A token issued before its user changed their password or e-mail: the version it carries is not
 * the account's `token_version` anymore.
 */
export class TokenRevoked extends PgGrindError {
  override name = 'TokenRevoked';
  constructor() {
    super('token revoked by a change of password or e-mail');
  }
}

const notAuthor = (entity: 'article' | 'comment') => () => new NotAuthor(entity);

/**
 * The secret that signs tokens: `configured` when given, otherwise one generated on first use
 * and kept in blog.settings, so that tokens survive restarts and every process agrees.
 */
export async function getSigningSecret(db: Db, configured?: string): Promise<string> {
  if (configured) return configured;
  const [row] = await many(db, q.get_or_create_setting, ['jwt_secret', randomBytes(48).toString('base64url')]);
  return row!.value;
}

/**
 * Turns a title into a slug base: ASCII letters and digits joined by single dashes, at most 100
 * characters, accents folded ("Crème brûlée!" -> "creme-brulee"). A title with nothing left, and
 * the reserved "feed", become "article" / "feed-article"; the SQL adds "-<id>" on collision.
 */
export function slugify(title: string): string {
  const base = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100)
    .replace(/-+$/, '');
  if (base === '') return 'article';
  return base === 'feed' ? 'feed-article' : base;
}

/** Trimmed, non-empty, distinct tags in their first-seen order. */
export function normalizeTags(tags: readonly string[] | undefined): string[] {
  return [...new Set((tags ?? []).map((t) => t.trim()).filter((t) => t !== ''))];
}

function paging(p: Paging, size = PAGE_SIZE): [number, number] {
  const limit = pageLimit(p.limit, size);
  const offset = Math.max(Math.trunc(p.offset ?? 0), 0);
  return [limit, offset];
}

/** Registers an account; returns it. Throws UniqueViolation (users_email_key, users_username_key), CheckViolation. */
export async function registerUser(db: Db, user: NewUser, opts: PasswordOptions = {}): Promise<User> {
  const hash = await hashPassword(user.password, opts);
  const [row] = await many(db, q.create_user, [user.email, user.username, hash]);
  return row!;
}

/**
 * The account whose e-mail (any case) and password match, or undefined. Takes as long for an
 * unknown e-mail as for a wrong password. Upgrades the stored hash when `opts` asks for other
 * scrypt parameters than it was made with.
 */
export async function logIn(
  db: Db,
  email: string,
  password: string,
  opts: PasswordOptions = {},
): Promise<User | undefined> {
  const row = await maybeOne(db, q.find_user_by_email, [email]);
  if (!row) return verifyNothing(password, opts).then(() => undefined);
  if (!(await verifyPassword(password, row.password_hash))) return undefined;
  if (needsRehash(row.password_hash, opts)) {
    // Same password, other parameters: not a credential change, so tokens stay valid.
    await maybeOne(db, q.rehash_password, [row.id, await hashPassword(password, opts), row.password_hash]);
  }
  const { password_hash: _, ...user } = row;
  return user;
}

/** The account, or undefined. */
export function findUser(db: Db, id: UserId): Promise<User | undefined> {
  return maybeOne(db, q.find_user, [id]);
}

/** The account; throws NotFound('user'). */
export async function getUser(db: Db, id: UserId): Promise<User> {
  return found(await findUser(db, id), 'user');
}

/**
 * The account a token names, if the token's `tokenVersion` is still the account's: one lookup
 * serves both. Throws NotFound('user') (deleted since), TokenRevoked (password or e-mail changed since).
 */
export async function getSessionUser(db: Db, id: UserId, tokenVersion: number): Promise<User> {
  const user = await getUser(db, id);
  if (user.token_version !== tokenVersion) throw new TokenRevoked();
  return user;
}

/**
 * Changes the fields present in `patch`; returns the account, whose `token_version` moved on if
 * the password or the e-mail changed (tokens issued before are revoked). With `tokenVersion`
 * (the caller's token's), the update happens only if it is still current, in the same statement.
 * Throws NotFound('user'), TokenRevoked (with `tokenVersion`: revoked, or the user deleted),
 * UniqueViolation, CheckViolation.
 */
export async function updateUser(
  db: Db,
  id: UserId,
  patch: UserPatch,
  opts: PasswordOptions = {},
  tokenVersion?: number,
): Promise<User> {
  const changes: Record<string, string | null> = {};
  for (const k of ['email', 'username', 'bio', 'image'] as const) if (patch[k] !== undefined) changes[k] = patch[k];
  if (patch.password !== undefined) changes.password_hash = await hashPassword(patch.password, opts);
  const row = await maybeOne(db, q.update_user, [id, changes, tokenVersion ?? null]);
  if (!row && tokenVersion !== undefined) throw new TokenRevoked();
  return found(row, 'user');
}

/** Deletes the account and, by cascade, its articles, comments, favorites and follows. Throws NotFound('user'). */
export async function deleteUser(db: Db, id: UserId): Promise<void> {
  found(await maybeOne(db, q.delete_user, [id]), 'user');
}

/** The profile of `username` (any case) as `viewer` sees it; throws NotFound('profile'). */
export async function getProfile(db: Db, username: string, viewer: UserId | null): Promise<Profile> {
  return found(await maybeOne(db, q.find_profile, [username, viewer]), 'profile');
}

/** `viewer` follows `username` (idempotent); returns the profile. Throws NotFound('profile'), CheckViolation (follows_no_self_follow). */
export async function followUser(db: Db, viewer: UserId, username: string): Promise<Profile> {
  return found(await maybeOne(db, q.follow_user, [username, viewer]), 'profile');
}

/** `viewer` unfollows `username` (idempotent); returns the profile. Throws NotFound('profile'). */
export async function unfollowUser(db: Db, viewer: UserId, username: string): Promise<Profile> {
  return found(await maybeOne(db, q.unfollow_user, [username, viewer]), 'profile');
}

/** list_articles, list_feed and list_recent_articles return these same columns. */
type PageRow = RowOf<typeof q.list_articles> | RowOf<typeof q.list_feed> | RowOf<typeof q.list_recent_articles>;

/**
 * The article columns of a row of an outer join (a list's empty page, update_article's refusal):
 * the join gives them all or none, so a row with a slug is a whole article. That invariant lives
 * in the SQL, where the generated types cannot see it.
 */
function wholeArticle(row: Omit<PageRow, 'articles_count'>): Article | undefined {
  return row.slug === null ? undefined : (row as Article);
}

function toPage(rows: PageRow[]): ArticlePage {
  const articles = rows.flatMap(({ articles_count: _, ...a }) => wholeArticle(a) ?? []);
  return { articles, articles_count: rows[0]?.articles_count ?? 0 };
}

/**
 * One page of articles, newest first, filtered by tag, author and/or favoriting user: one
 * statement (list_recent_articles when there is no filter, which can walk the date index).
 */
export async function listArticles(db: Db, filters: ArticleFilters, viewer: UserId | null): Promise<ArticlePage> {
  const [limit, offset] = paging(filters);
  const { tag = null, author = null, favorited = null } = filters;
  if (tag === null && author === null && favorited === null) {
    return toPage(await many(db, q.list_recent_articles, [viewer, limit, offset]));
  }
  return toPage(await many(db, q.list_articles, [tag, author, favorited, viewer, limit, offset]));
}

/** One page of the articles by users `viewer` follows, newest first: one statement. */
export async function listFeed(db: Db, viewer: UserId, p: Paging = {}): Promise<ArticlePage> {
  const [limit, offset] = paging(p);
  return toPage(await many(db, q.list_feed, [viewer, limit, offset]));
}

/** The article as `viewer` sees it; throws NotFound('article'). */
export async function getArticle(db: Db, slug: string, viewer: UserId | null): Promise<Article> {
  return found(await maybeOne(db, q.find_article, [slug, viewer]), 'article');
}

/**
 * Publishes an article by `author` with its tags; returns it. Two articles with one title get
 * distinct slugs, also when created concurrently (the statement returns no row when it lost the
 * race for a slug, and runs again). Throws CheckViolation for blank fields, TransientConflict if
 * it lost SLUG_ATTEMPTS races in a row.
 */
export async function createArticle(db: Db, author: UserId, a: NewArticle): Promise<Article> {
  const params: ParamsOf<typeof q.create_article> = [
    author,
    slugify(a.title),
    a.title,
    a.description,
    a.body,
    normalizeTags(a.tagList),
  ];
  for (let attempt = 1; ; attempt++) {
    const row = await maybeOne(db, q.create_article, params);
    if (row) return row;
    if (attempt >= SLUG_ATTEMPTS)
      throw new TransientConflict('create_article kept losing slug races', { code: '40001' });
  }
}

/** Changes `viewer`'s article; returns it. Throws NotFound('article'), NotAuthor('article'), CheckViolation. */
export async function updateArticle(db: Db, viewer: UserId, slug: string, patch: ArticlePatch): Promise<Article> {
  const params: ParamsOf<typeof q.update_article> = [
    slug,
    viewer,
    patch.title === undefined ? null : slugify(patch.title),
    patch.title ?? null,
    patch.description ?? null,
    patch.body ?? null,
    patch.tagList === undefined ? null : normalizeTags(patch.tagList),
  ];
  for (let attempt = 1; ; attempt++) {
    try {
      const row = found(await maybeOne(db, q.update_article, params), 'article', notAuthor('article'));
      // All columns are null when the article vanished between the author check and the update.
      return found(wholeArticle(row), 'article');
    } catch (err) {
      // A concurrent rename took the same new slug first: the next run sees it and appends the id.
      if (!(err instanceof UniqueViolation && err.constraint === 'articles_slug_key') || attempt >= SLUG_ATTEMPTS)
        throw err;
    }
  }
}

/** Deletes `viewer`'s article with its comments, favorites and tag links. Throws NotFound('article'), NotAuthor('article'). */
export async function deleteArticle(db: Db, viewer: UserId, slug: string): Promise<void> {
  found(await maybeOne(db, q.delete_article, [slug, viewer]), 'article', notAuthor('article'));
}

/** `viewer` favorites the article (idempotent); returns it. Throws NotFound('article'). */
export async function favoriteArticle(db: Db, viewer: UserId, slug: string): Promise<Article> {
  return found(await maybeOne(db, q.favorite_article, [slug, viewer]), 'article');
}

/** `viewer` unfavorites the article (idempotent); returns it. Throws NotFound('article'). */
export async function unfavoriteArticle(db: Db, viewer: UserId, slug: string): Promise<Article> {
  return found(await maybeOne(db, q.unfavorite_article, [slug, viewer]), 'article');
}

/**
 * One page of the article's comments (COMMENT_PAGE_SIZE), newest first, as `viewer` sees their
 * authors: one statement. Throws NotFound('article').
 */
export async function listComments(db: Db, slug: string, viewer: UserId | null, page: Paging = {}): Promise<Comment[]> {
  const rows = await many(db, q.list_comments, [slug, viewer, ...paging(page, COMMENT_PAGE_SIZE)]);
  // No row at all: no such article; an empty page of an article is one row of nulls.
  found(rows[0], 'article');
  return rows.filter((r): r is Comment => r.id !== null);
}

/** `viewer` comments on the article; returns the comment. Throws NotFound('article'), CheckViolation. */
export async function createComment(db: Db, viewer: UserId, slug: string, body: string): Promise<Comment> {
  return found(await maybeOne(db, q.create_comment, [slug, viewer, body]), 'article');
}

/** Deletes `viewer`'s comment on the article. Throws NotFound('comment'), NotAuthor('comment'). */
export async function deleteComment(db: Db, viewer: UserId, slug: string, id: UserId): Promise<void> {
  found(await maybeOne(db, q.delete_comment, [slug, id, viewer]), 'comment', notAuthor('comment'));
}

/** One page of the tags in use (TAG_PAGE_SIZE), most used first. */
export async function listTags(db: Db, page: Paging = {}): Promise<string[]> {
  return (await many(db, q.list_tags, paging(page, TAG_PAGE_SIZE))).map((r) => r.tag);
}
