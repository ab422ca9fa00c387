/**
 * /blog/api: the RealWorld ("Conduit") API over pg-grind/blog, so that existing RealWorld front
 * ends and test suites run against it unchanged (APIURL=http://host:port/blog/api). Errors use the
 * spec's shape, {"errors": {"<field>": ["<message>"]}}, instead of problem+json: 422 for invalid
 * input and taken e-mail/username, 401 for a missing, bad or expired token, 403 for another
 * user's article or comment, 404 for unknown slugs, profiles and comments. Beyond the spec:
 * DELETE /user deletes the account; comments and tags come in pages (limit, offset) of 100 by default.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Db } from '../lib/core/db.js';
import * as blog from '../lib/blog/index.js';
import { DbError, Forbidden, InvalidInput, NotFound } from '../lib/core/errors.js';
import type { PasswordOptions } from '../lib/core/password.js';
import { MIN_SECRET_BYTES, signToken, verifyToken } from '../lib/core/token.js';
import { Api } from './core/api.js';
import { explainConstraint, HttpError, meaningOf, toProblem, type Problem } from './core/problem.js';
import { DateTime, Id, Limit, Nullable } from './core/schemas.js';

export interface BlogApiOptions {
  /** HS256 secret; default JWT_SECRET, else one generated once and kept in blog.settings. */
  jwtSecret?: string;
  /** Token lifetime. Default 24 h. */
  tokenTtlSeconds?: number;
  /** scrypt cost for new password hashes; default PASSWORD_SCRYPT_LOG2N, else password.ts' default. */
  password?: PasswordOptions;
}

/** A RealWorld error of the router's own: a problem with one field, rendered like every other. */
const fail = (status: 401 | 422, field: string, message: string) =>
  new HttpError(status, status === 401 ? 'Unauthorized' : 'Not acceptable', `${field} ${message}`, {
    errors: [{ in: field === 'token' ? 'header' : 'body', field, message }],
  });

/** What each named constraint means to a RealWorld client: field, message, and a status where not the class's. */
const constraints: [string, string, string, number?][] = [
  ['users_email_key', 'email', 'has already been taken'],
  ['users_username_key', 'username', 'has already been taken'],
  ['users_email_check', 'email', 'is invalid'],
  ['users_username_check', 'username', 'is invalid (letters, digits, "_", "." and "-", at most 64)'],
  ['users_bio_check', 'bio', 'is too long'],
  ['users_image_check', 'image', 'is too long'],
  ['follows_no_self_follow', 'profile', 'cannot follow yourself'],
  ['articles_title_check', 'title', "can't be blank (at most 300 characters)"],
  ['articles_description_check', 'description', "can't be blank (at most 1000 characters)"],
  ['articles_body_check', 'body', "can't be blank"],
  ['tags_name_check', 'tagList', 'tags are at most 64 characters'],
  ['comments_body_check', 'body', "can't be blank"],
  // The token's user was deleted after the token was issued.
  ['articles_author_id_fkey', 'token', 'names a deleted user', 401],
  ['comments_author_id_fkey', 'token', 'names a deleted user', 401],
  ['favorites_user_id_fkey', 'token', 'names a deleted user', 401],
  ['follows_follower_id_fkey', 'token', 'names a deleted user', 401],
  // The target vanished between lookup and write.
  ['follows_followed_id_fkey', 'profile', 'not found', 404],
  ['favorites_article_id_fkey', 'article', 'not found', 404],
  ['comments_article_id_fkey', 'article', 'not found', 404],
];
for (const [constraint, field, message, status] of constraints) {
  explainConstraint('blog', constraint, status ? { field, message, status } : { field, message });
}

type RealWorldErrors = Record<string, string[]>;

/** A problem's fields as RealWorld names them: the last segment of a body path; the token header is `token`. */
const realWorldField = (field: string) =>
  field === 'authorization'
    ? 'token'
    : field
        .split('.')
        .pop()!
        .replace(/^\(body\)$/, 'body');

/**
 * The RealWorld wording of a problem. Status and fields come from the problem; what RealWorld
 * words differently (a missing row names its entity, a value PostgreSQL cannot store is the body's
 * fault) is chosen here from the error's class, and never changes a status.
 */
function realWorldErrors(err: unknown, problem: Problem): RealWorldErrors {
  if (err instanceof NotFound)
    return err.entity === 'user' ? { token: ['names a deleted user'] } : { [err.entity]: ['not found'] };
  if (err instanceof Forbidden) return { [err.entity ?? 'body']: ['forbidden: only its author may change it'] };
  if (err instanceof InvalidInput) return { body: ['contains a value PostgreSQL cannot store'] };
  if (err instanceof DbError && !meaningOf(err)) return { [err.column ?? 'body']: ['is invalid'] };
  if (!problem.errors?.length) return { body: [problem.detail ?? 'is invalid'] };
  const errors: RealWorldErrors = {};
  for (const i of problem.errors)
    (errors[realWorldField(i.field)] ??= []).push(i.message === 'is required' ? "can't be blank" : i.message);
  return errors;
}

/**
 * Errors under /blog/api in the RealWorld shape. A 503 (hashing overloaded, the database
 * unavailable) is a cue to retry, sent in that shape too with its Retry-After; other 5xx go on to
 * the app's handler, which logs them.
 */
const realWorld: ErrorRequestHandler = (err, req, res, next) => {
  const { status, problem, headers } = toProblem(err, req.method);
  if ((status >= 500 && status !== 503) || res.headersSent) return next(err);
  if (status === 503) {
    res
      .status(503)
      .set(headers ?? {})
      .json({ errors: { server: [problem.detail ?? problem.title] } });
    return;
  }
  // RealWorld has neither 400 nor 409: invalid input and a taken name are both 422.
  res.status(status === 400 || status === 409 ? 422 : status).json({ errors: realWorldErrors(err, problem) });
};

// ---------------------------------------------------------------------------------- JSON shapes

const nullableString = Nullable(Type.String());
const ProfileSchema = Type.Object(
  { username: Type.String(), bio: nullableString, image: nullableString, following: Type.Boolean() },
  { additionalProperties: false },
);
const ArticleSchema = Type.Object(
  {
    slug: Type.String(),
    title: Type.String(),
    description: Type.String(),
    body: Type.String(),
    tagList: Type.Array(Type.String()),
    createdAt: DateTime(),
    updatedAt: DateTime(),
    favorited: Type.Boolean(),
    favoritesCount: Type.Integer(),
    author: ProfileSchema,
  },
  { additionalProperties: false },
);
const CommentSchema = Type.Object(
  {
    id: Type.Integer(),
    body: Type.String(),
    createdAt: DateTime(),
    updatedAt: DateTime(),
    author: ProfileSchema,
  },
  { additionalProperties: false },
);
const UserSchema = Type.Object(
  { email: Type.String(), token: Type.String(), username: Type.String(), bio: nullableString, image: nullableString },
  { additionalProperties: false },
);
/** RealWorld wraps every object in one key: {"user": {...}}, {"article": {...}}. */
const wrap = <K extends string, T extends TSchema>(key: K, schema: T) =>
  Type.Object({ [key]: schema } as { [k in K]: T });
const ArticleList = Type.Object(
  { articles: Type.Array(ArticleSchema), articlesCount: Type.Integer() },
  { additionalProperties: false },
);
const errorsSchema = Type.Object(
  {
    // Not Type.Record, which writes patternProperties: additionalProperties is the plainer map schema.
    errors: Type.Unsafe<Record<string, string[]>>({ type: 'object', additionalProperties: Type.Array(Type.String()) }),
  },
  { description: 'RealWorld error: each key names a field (or token, article, profile, comment)' },
);
/** RealWorld answers a delete with `{}`. */
const deleted = { description: 'deleted (empty object)', schema: Type.Object({}, { additionalProperties: false }) };
const err = (description: string) => ({ description, schema: errorsSchema });
const e401 = err('missing, invalid or expired token');
const e404 = (what: string) => err(`no such ${what}`);
const e422 = err('invalid input, or e-mail/username taken');

const profileJson = (p: blog.Profile): Static<typeof ProfileSchema> => ({
  username: p.username,
  bio: p.bio,
  image: p.image,
  following: p.following,
});
const authorJson = (a: blog.Article | blog.Comment): Static<typeof ProfileSchema> => ({
  username: a.author_username,
  bio: a.author_bio,
  image: a.author_image,
  following: a.author_following,
});
const articleJson = (a: blog.Article): Static<typeof ArticleSchema> => ({
  slug: a.slug,
  title: a.title,
  description: a.description,
  body: a.body,
  tagList: a.tag_list,
  createdAt: a.created_at.toISOString(),
  updatedAt: a.updated_at.toISOString(),
  favorited: a.favorited,
  favoritesCount: a.favorites_count,
  author: authorJson(a),
});
const commentJson = (c: blog.Comment): Static<typeof CommentSchema> => ({
  id: Number(c.id),
  body: c.body,
  createdAt: c.created_at.toISOString(),
  updatedAt: c.updated_at.toISOString(),
  author: authorJson(c),
});

// ------------------------------------------------------------------------------ request shapes

const email = Type.String({ minLength: 3, maxLength: 254 });
const username = Type.String({ minLength: 1, maxLength: 64 });
const password = Type.String({ minLength: 8, maxLength: 256, description: '8 to 256 characters' });
const text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const tagList = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 });
const slug = Type.String({ maxLength: 300 });
const slugParams = Type.Object({ slug });
const usernameParams = Type.Object({ username: Type.String({ maxLength: 64 }) });
const offset = Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }));
const paging = { limit: Limit(blog.PAGE_SIZE), offset };
// Beyond the spec, which lists comments and tags whole: pages bound the work of one request.
const capped = (size: typeof blog.PAGE_SIZE, what: string) =>
  Type.Object(
    { limit: Limit(size), offset },
    {
      description: `beyond RealWorld: the first ${size.default} ${what} unless limit (at most ${size.max}) says otherwise`,
    },
  );
const authHeader = (required: boolean) =>
  Type.Object({
    authorization: Type.Optional(Type.String({ description: `"Token <jwt>" (${required ? 'required' : 'optional'})` })),
  });

/** The `aud` of blog tokens: another project signing with the same JWT_SECRET cannot log in here. */
const AUDIENCE = 'pg-grind/blog';

export function blogApi(db: Db, options: BlogApiOptions = {}): Api {
  const log2N = Number(process.env.PASSWORD_SCRYPT_LOG2N);
  const opts = { ...options, password: options.password ?? (log2N ? { log2N } : {}) };
  const ttl = opts.tokenTtlSeconds ?? 24 * 3600;
  const configured = opts.jwtSecret ?? process.env.JWT_SECRET;
  // Fail at start-up, not at the first login.
  if (configured && Buffer.byteLength(configured) < MIN_SECRET_BYTES)
    throw new RangeError(`JWT_SECRET must have at least ${MIN_SECRET_BYTES} bytes`);
  let secret: Promise<string> | undefined;
  const getSecret = () =>
    (secret ??= blog.getSigningSecret(db, configured).catch((e) => {
      secret = undefined;
      throw e;
    }));

  interface Session {
    id: string;
    /** The user's token_version when the token was issued (claim `ver`; tokens from before it: 0). */
    version: number;
  }
  /** The signed claims of "Authorization: Token <jwt>", not yet checked against the account; null when absent and not required. */
  async function session(req: Request, required: true): Promise<Session>;
  async function session(req: Request, required: boolean): Promise<Session | null>;
  async function session(req: Request, required: boolean): Promise<Session | null> {
    const header = req.get('authorization');
    if (!header) {
      if (required) throw fail(401, 'token', 'is missing');
      return null;
    }
    const m = /^(?:Token|Bearer) +(\S+)$/i.exec(header.trim());
    if (!m) throw fail(401, 'token', 'is invalid');
    // An invalid token is refused even where a token is optional: a client that believes it is
    // logged in should hear that it is not, rather than silently read as a stranger.
    const claims = verifyToken(m[1]!, await getSecret(), { audience: AUDIENCE });
    const version = claims.ver ?? 0;
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0)
      throw fail(401, 'token', 'is invalid');
    return { id: claims.sub, version };
  }
  /** What a token that no longer stands for its account is told. */
  const revoked = (e: unknown): never => {
    if (e instanceof blog.TokenRevoked) throw fail(401, 'token', 'has been revoked');
    if (e instanceof NotFound && e.entity === 'user') throw fail(401, 'token', 'names a deleted user');
    throw e;
  };
  /** The token's account, checked against the version the token carries: the lookup is the check. */
  const sessionUser = (s: Session) => blog.getSessionUser(db, s.id, s.version).catch(revoked);
  /**
   * The viewer's user id from a token that still stands for its account (one primary-key lookup);
   * null when absent and not required.
   */
  async function viewer(req: Request, required: true): Promise<string>;
  async function viewer(req: Request, required: false): Promise<string | null>;
  async function viewer(req: Request, required: boolean): Promise<string | null> {
    const s = await session(req, required);
    if (!s) return null;
    await sessionUser(s);
    return s.id;
  }
  const userJson = async (u: blog.User): Promise<Static<typeof UserSchema>> => ({
    email: u.email,
    token: signToken(
      String(u.id),
      await getSecret(),
      { ttlSeconds: ttl, audience: AUDIENCE },
      { ver: u.token_version },
    ),
    username: u.username,
    bio: u.bio,
    image: u.image,
  });

  const api = new Api(
    '/blog/api',
    'blog',
    'Project 2: one-to-many, JOINs, authentication, cascading deletes (RealWorld "Conduit" API)',
    err(
      'RealWorld error ({"errors": {"<field>": ["<message>"]}}); malformed JSON alone is the app\'s problem+json 400',
    ),
  );
  api
    .route({
      method: 'post',
      path: '/users',
      summary: 'Register',
      body: wrap('user', Type.Object({ email, username, password })),
      responses: { 201: { description: 'the new user, with a token', schema: wrap('user', UserSchema) }, 422: e422 },
      handler: async ({ body }, _req, res) => {
        res.status(201).json({ user: await userJson(await blog.registerUser(db, body.user, opts.password)) });
      },
    })
    .route({
      method: 'post',
      path: '/users/login',
      summary: 'Log in',
      body: wrap(
        'user',
        Type.Object({ email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 256 }) }),
      ),
      responses: {
        200: { description: 'the user, with a new token', schema: wrap('user', UserSchema) },
        401: err('wrong e-mail or password'),
        422: e422,
      },
      handler: async ({ body }, _req, res) => {
        const user = await blog.logIn(db, body.user.email, body.user.password, opts.password);
        if (!user) throw fail(401, 'email or password', 'is invalid');
        res.json({ user: await userJson(user) });
      },
    })
    .route({
      method: 'get',
      path: '/user',
      summary: 'The current user',
      headers: authHeader(true),
      responses: { 200: { description: 'the user, with a fresh token', schema: wrap('user', UserSchema) }, 401: e401 },
      handler: async (_input, req, res) => {
        res.json({ user: await userJson(await sessionUser(await session(req, true))) });
      },
    })
    .route({
      method: 'put',
      path: '/user',
      summary: 'Update the current user',
      headers: authHeader(true),
      description:
        'Absent fields are kept; bio and image accept null; an empty password means "unchanged" (front ends send the whole settings form).',
      body: wrap(
        'user',
        Type.Partial(
          Type.Object({
            email,
            username,
            password: Type.String({ maxLength: 256 }),
            bio: Nullable(Type.String({ maxLength: 10000 })),
            image: Nullable(Type.String({ maxLength: 2048 })),
          }),
        ),
      ),
      responses: { 200: { description: 'the updated user', schema: wrap('user', UserSchema) }, 401: e401, 422: e422 },
      handler: async ({ body }, req, res) => {
        const s = await session(req, true);
        const { password: pw, ...rest } = body.user;
        if (pw !== undefined && pw !== '' && pw.length < 8)
          throw fail(422, 'password', 'is too short (minimum is 8 characters)');
        const patch = pw ? { ...rest, password: pw } : rest;
        // The token's version is checked by the UPDATE itself; a new password or e-mail moves it,
        // and the token in the response carries the new one (every older token is revoked).
        const user = await blog.updateUser(db, s.id, patch, opts.password, s.version).catch(revoked);
        res.json({ user: await userJson(user) });
      },
    })
    .route({
      method: 'delete',
      path: '/user',
      summary: 'Delete the current user (beyond the spec)',
      headers: authHeader(true),
      description:
        'Deletes the account with its articles (and their comments, favorites, tags links), comments, favorites and follows.',
      responses: { 200: deleted, 401: e401 },
      handler: async (_input, req, res) => {
        await blog.deleteUser(db, await viewer(req, true));
        res.json({});
      },
    })
    .route({
      method: 'get',
      path: '/profiles/:username',
      summary: 'A profile',
      headers: authHeader(false),
      params: usernameParams,
      responses: {
        200: { description: 'the profile', schema: wrap('profile', ProfileSchema) },
        401: e401,
        404: e404('profile'),
      },
      handler: async ({ params }, req, res) => {
        res.json({ profile: profileJson(await blog.getProfile(db, params.username, await viewer(req, false))) });
      },
    })
    .route({
      method: 'post',
      path: '/profiles/:username/follow',
      summary: 'Follow a user',
      headers: authHeader(true),
      params: usernameParams,
      responses: {
        200: { description: 'the profile, followed', schema: wrap('profile', ProfileSchema) },
        401: e401,
        404: e404('profile'),
        422: err('cannot follow yourself'),
      },
      handler: async ({ params }, req, res) => {
        res.json({ profile: profileJson(await blog.followUser(db, await viewer(req, true), params.username)) });
      },
    })
    .route({
      method: 'delete',
      path: '/profiles/:username/follow',
      summary: 'Unfollow a user',
      headers: authHeader(true),
      params: usernameParams,
      responses: {
        200: { description: 'the profile, not followed', schema: wrap('profile', ProfileSchema) },
        401: e401,
        404: e404('profile'),
      },
      handler: async ({ params }, req, res) => {
        res.json({ profile: profileJson(await blog.unfollowUser(db, await viewer(req, true), params.username)) });
      },
    })
    .route({
      method: 'get',
      path: '/articles',
      summary: 'List articles, newest first',
      headers: authHeader(false),
      description: "One SQL statement: the page, the total, tags, favorites counts and the viewer's flags.",
      query: Type.Object({
        tag: Type.Optional(Type.String({ maxLength: 64 })),
        author: Type.Optional(Type.String({ maxLength: 64 })),
        favorited: Type.Optional(
          Type.String({ maxLength: 64, description: 'username of a user who favorited the articles' }),
        ),
        ...paging,
      }),
      responses: {
        200: { description: 'a page of articles and the total count', schema: ArticleList },
        401: e401,
        422: e422,
      },
      handler: async ({ query }, req, res) => {
        const page = await blog.listArticles(db, query, await viewer(req, false));
        res.json({ articles: page.articles.map(articleJson), articlesCount: page.articles_count });
      },
    })
    .route({
      method: 'get',
      path: '/articles/feed',
      summary: 'Articles by followed users, newest first',
      headers: authHeader(true),
      query: Type.Object(paging),
      responses: {
        200: { description: 'a page of articles and the total count', schema: ArticleList },
        401: e401,
        422: e422,
      },
      handler: async ({ query }, req, res) => {
        const page = await blog.listFeed(db, await viewer(req, true), query);
        res.json({ articles: page.articles.map(articleJson), articlesCount: page.articles_count });
      },
    })
    .route({
      method: 'post',
      path: '/articles',
      summary: 'Create an article',
      headers: authHeader(true),
      body: wrap(
        'article',
        Type.Object({ title: text(300), description: text(1000), body: text(100000), tagList: Type.Optional(tagList) }),
      ),
      responses: { 201: { description: 'the article', schema: wrap('article', ArticleSchema) }, 401: e401, 422: e422 },
      handler: async ({ body }, req, res) => {
        res
          .status(201)
          .json({ article: articleJson(await blog.createArticle(db, await viewer(req, true), body.article)) });
      },
    })
    .route({
      method: 'get',
      path: '/articles/:slug',
      summary: 'An article',
      headers: authHeader(false),
      params: slugParams,
      responses: {
        200: { description: 'the article', schema: wrap('article', ArticleSchema) },
        401: e401,
        404: e404('article'),
      },
      handler: async ({ params }, req, res) => {
        res.json({ article: articleJson(await blog.getArticle(db, params.slug, await viewer(req, false))) });
      },
    })
    .route({
      method: 'put',
      path: '/articles/:slug',
      summary: 'Update an article (a new title moves the slug)',
      headers: authHeader(true),
      params: slugParams,
      body: wrap(
        'article',
        Type.Partial(Type.Object({ title: text(300), description: text(1000), body: text(100000), tagList })),
      ),
      responses: {
        200: { description: 'the article', schema: wrap('article', ArticleSchema) },
        401: e401,
        403: err('not the author'),
        404: e404('article'),
        422: e422,
      },
      handler: async ({ params, body }, req, res) => {
        res.json({
          article: articleJson(await blog.updateArticle(db, await viewer(req, true), params.slug, body.article)),
        });
      },
    })
    .route({
      method: 'delete',
      path: '/articles/:slug',
      summary: 'Delete an article with its comments, favorites and tag links',
      headers: authHeader(true),
      params: slugParams,
      responses: { 200: deleted, 401: e401, 403: err('not the author'), 404: e404('article') },
      handler: async ({ params }, req, res) => {
        await blog.deleteArticle(db, await viewer(req, true), params.slug);
        res.json({});
      },
    })
    .route({
      method: 'get',
      path: '/articles/:slug/comments',
      summary: "An article's comments, newest first",
      headers: authHeader(false),
      params: slugParams,
      query: capped(blog.COMMENT_PAGE_SIZE, 'comments'),
      responses: {
        200: { description: 'the comments', schema: wrap('comments', Type.Array(CommentSchema)) },
        401: e401,
        404: e404('article'),
        422: e422,
      },
      handler: async ({ params, query }, req, res) => {
        const comments = await blog.listComments(db, params.slug, await viewer(req, false), query);
        res.json({ comments: comments.map(commentJson) });
      },
    })
    .route({
      method: 'post',
      path: '/articles/:slug/comments',
      summary: 'Comment on an article',
      headers: authHeader(true),
      params: slugParams,
      body: wrap('comment', Type.Object({ body: text(10000) })),
      responses: {
        200: { description: 'the comment', schema: wrap('comment', CommentSchema) },
        401: e401,
        404: e404('article'),
        422: e422,
      },
      handler: async ({ params, body }, req, res) => {
        res.json({
          comment: commentJson(await blog.createComment(db, await viewer(req, true), params.slug, body.comment.body)),
        });
      },
    })
    .route({
      method: 'delete',
      path: '/articles/:slug/comments/:id',
      summary: 'Delete a comment',
      headers: authHeader(true),
      params: Type.Object({ slug, id: Id }),
      responses: { 200: deleted, 401: e401, 403: err('not the author'), 404: e404('comment') },
      handler: async ({ params }, req, res) => {
        await blog.deleteComment(db, await viewer(req, true), params.slug, params.id);
        res.json({});
      },
    })
    .route({
      method: 'post',
      path: '/articles/:slug/favorite',
      summary: 'Favorite an article',
      headers: authHeader(true),
      params: slugParams,
      responses: {
        200: { description: 'the article', schema: wrap('article', ArticleSchema) },
        401: e401,
        404: e404('article'),
      },
      handler: async ({ params }, req, res) => {
        res.json({ article: articleJson(await blog.favoriteArticle(db, await viewer(req, true), params.slug)) });
      },
    })
    .route({
      method: 'delete',
      path: '/articles/:slug/favorite',
      summary: 'Unfavorite an article',
      headers: authHeader(true),
      params: slugParams,
      responses: {
        200: { description: 'the article', schema: wrap('article', ArticleSchema) },
        401: e401,
        404: e404('article'),
      },
      handler: async ({ params }, req, res) => {
        res.json({ article: articleJson(await blog.unfavoriteArticle(db, await viewer(req, true), params.slug)) });
      },
    })
    .route({
      method: 'get',
      path: '/tags',
      summary: 'Tags in use, most used first',
      query: capped(blog.TAG_PAGE_SIZE, 'tags'),
      responses: {
        200: { description: 'the tags', schema: wrap('tags', Type.Array(Type.String())) },
        422: e422,
      },
      handler: async ({ query }, _req, res) => {
        res.json({ tags: await blog.listTags(db, query) });
      },
    });
  api.router.use((req: Request, res: Response) => {
    res.status(404).json({ errors: { route: [`no route for ${req.method} ${req.originalUrl}`] } });
  });
  api.router.use(realWorld);
  return api;
}
