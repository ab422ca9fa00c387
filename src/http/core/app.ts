/**
 * The Express app: CORS, request logs, one router per project (each parses its own JSON bodies, 1 MB),
 * /healthz, /openapi.json, /docs, and the one error handler. No SQL here: routers call the libraries.
 */
import express, { type RequestHandler } from 'express';
import type { Logger } from 'pino';
import swaggerUi from 'swagger-ui-express';
import type { Pool } from '../../lib/core/db.js';
import { type Api, openApiDocument } from './api.js';
import { createLogger } from '../../lib/core/logger.js';
import { accessLog } from './access-log.js';
import { adminGuard } from './admin.js';
import { normalizePublicUrl, PUBLIC_URL_SETTING } from './links.js';
import { problemHandler, sendProblem } from './problem.js';
import { bookingApi } from '../booking.js';
import { saasApi } from '../saas.js';
import { chatApi } from '../chat.js';
import { blogApi } from '../blog.js';
import { expenseApi } from '../expense.js';
import { queueApi } from '../queue.js';
import { todoApi } from '../todo.js';

export interface AppOptions {
  sql: Pool;
  logger?: Logger;
  /**
   * The bearer token of the admin routes (queue, booking administration). Default `ADMIN_TOKEN`;
   * without one those routes refuse every request. `npm start` passes `loadAdminToken()`'s.
   */
  adminToken?: string | undefined;
  /** Secret of the booking payment provider's signed callbacks. Default `BOOKING_WEBHOOK_SECRET`. */
  bookingWebhookSecret?: string | undefined;
  /** Origins that may read every API from a browser. Default `CORS_ORIGINS` (comma-separated), else none. */
  corsOrigins?: string[];
  /**
   * Prefix of the absolute URLs the APIs hand out (todo's `url`, `Location`, `Link: rel="next"`),
   * e.g. `https://api.example.com` behind a proxy (PUBLIC_URL). Default: the address each request
   * arrived on. Never the request's Host header.
   */
  publicUrl?: string | undefined;
  /**
   * A direct connection URL (never a transaction pooler's) for the LISTEN sessions of chat's live
   * delivery, when `sql` goes through a pooler (DATABASE_DIRECT_URL). Default: `sql`'s own LISTEN.
   */
  listenUrl?: string | undefined;
}

/** Every project's API, in README order. */
export function projectApis(
  sql: Pool,
  opts: Pick<AppOptions, 'adminToken' | 'bookingWebhookSecret' | 'listenUrl'> = {},
): Api[] {
  const admin = adminGuard(opts.adminToken);
  return [
    todoApi(sql),
    blogApi(sql),
    expenseApi(sql),
    bookingApi(sql, { admin, webhookSecret: opts.bookingWebhookSecret }),
    saasApi(sql),
    chatApi(sql, { listenUrl: opts.listenUrl }),
    queueApi(sql, admin),
  ];
}

/**
 * On every response, errors and /docs included: no MIME sniffing (a JSON body echoing input is never
 * run as HTML or script) and no framing (the Swagger UI cannot be overlaid for clickjacking).
 * `X-Frame-Options` for old browsers, CSP `frame-ancestors` for current ones; the CSP says nothing
 * else, so the Swagger UI's own scripts and styles load as before.
 */
const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "frame-ancestors 'none'",
  });
  next();
};

/**
 * Prefixes whose responses any origin may read. /todo: the Todo-Backend spec runner is a web page
 * on another origin. The others answer only requests with a bearer token (blog, expense, saas: a user's;
 * queue: the admin's) and no cookies are used, so a page cannot act with credentials it does not
 * have. /booking is not among them: a customer books without a token.
 */
const openToAllOrigins = /^\/(todo|blog|expense|saas|queue)(\/|$)/i;

/** CORS_ORIGINS: comma-separated origins, e.g. `https://app.example,http://localhost:5173`. */
export function corsOriginsFromEnv(value = process.env.CORS_ORIGINS): string[] {
  return (value ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean);
}

/**
 * Answers CORS preflights. Any origin on the open prefixes, the configured origins elsewhere, and
 * no Access-Control-Allow-Origin at all for other origins (the browser then withholds the response
 * and does not send a write whose preflight failed).
 */
const cors =
  (origins: string[]): RequestHandler =>
  (req, res, next) => {
    const origin = req.get('origin');
    const allowed = openToAllOrigins.test(req.path)
      ? '*'
      : origin !== undefined && origins.includes(origin)
        ? origin
        : undefined;
    if (allowed !== '*') res.vary('Origin');
    if (!allowed) {
      if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
        res.status(204).end();
        return;
      }
      next();
      return;
    }
    res.set('Access-Control-Allow-Origin', allowed);
    res.set('Access-Control-Expose-Headers', 'ETag, Link, Location, Retry-After, Idempotent-Replayed');
    if (req.method === 'OPTIONS') {
      res.set('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
      res.set(
        'Access-Control-Allow-Headers',
        req.get('access-control-request-headers') ??
          'Content-Type, Authorization, If-Match, If-None-Match, Idempotency-Key',
      );
      res.set('Access-Control-Max-Age', '86400');
      res.status(204).end();
      return;
    }
    next();
  };

export function createApp({
  sql,
  logger = createLogger(),
  adminToken = process.env.ADMIN_TOKEN || undefined,
  bookingWebhookSecret = process.env.BOOKING_WEBHOOK_SECRET || undefined,
  corsOrigins = corsOriginsFromEnv(),
  publicUrl,
  listenUrl,
}: AppOptions) {
  // Checked before anything is built: a bad PUBLIC_URL would otherwise surface in every URL served.
  const prefix = publicUrl ? normalizePublicUrl(publicUrl) : undefined;
  const apis = projectApis(sql, { adminToken, bookingWebhookSecret, listenUrl });
  const doc = openApiDocument(apis, {
    title: 'pg-grind',
    version: '0.1.0',
    description: 'Twelve PostgreSQL data-access libraries, each behind a thin HTTP adapter.',
  });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // ETags are row versions, set by the routes that have them
  if (prefix) app.set(PUBLIC_URL_SETTING, prefix);
  app.use(securityHeaders);
  app.use(accessLog(logger));
  app.use(cors(corsOrigins));

  app.get('/healthz', async (_req, res) => {
    try {
      await sql`select 1`;
      res.json({ status: 'ok' });
    } catch {
      sendProblem(res, 503, {
        type: 'about:blank',
        title: 'Database unavailable',
        status: 503,
        detail: 'the database did not answer',
      });
    }
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(doc, { customSiteTitle: 'pg-grind API' }));
  app.get('/', (_req, res) => {
    res.redirect('/docs');
  });
  for (const api of apis) app.use(api.prefix, api.router);

  app.use((req, res) => {
    sendProblem(res, 404, {
      type: 'about:blank',
      title: 'Not found',
      status: 404,
      detail: `no route for ${req.method} ${req.path}`,
    });
  });
  app.use(problemHandler(logger));
  // The declarations stay reachable beside the app (tests hold responses to them); serving costs nothing.
  return Object.assign(app, { apis, openapi: doc });
}
