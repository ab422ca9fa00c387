/**
 * `npm start`: opens the database (DATABASE_URL, else the embedded PostgreSQL 18 under .data/),
 * migrates it, and serves every project's API on HOST:PORT (default 127.0.0.1:3000); absolute URLs
 * in responses start with PUBLIC_URL when set, else with the address the request arrived on.
 * The admin token is ADMIN_TOKEN, else .data/admin-token (generated and printed once); a HOST other
 * than a loopback address is refused without ADMIN_TOKEN, so that a generated token never guards a
 * server that others can reach before its operator chose one.
 * SIGINT/SIGTERM: stop accepting, finish in-flight requests, close the pool, stop the embedded server
 * (unless another process, say a queue worker, still uses it).
 */
import type { Server } from 'node:http';
import { loadAdminToken, type AdminToken } from '../../lib/core/admin-token.js';
import { connect } from '../../lib/core/db.js';
import {
  countSetting,
  DatabaseSetupError,
  openDatabase,
  sessionLimits,
  type SessionLimits,
} from '../../lib/core/database.js';
import { defaultHashingLimits, setHashingLimits } from '../../lib/core/password.js';
import { embeddedPackage, missingPeersMessage, serverPackages } from '../../lib/core/peers.js';
import { normalizePublicUrl } from './links.js';

// Express, Swagger UI, ajv, pino (and without DATABASE_URL the PostgreSQL binaries) are optional
// peers of the package: checked before the modules that import them are loaded.
const missing = missingPeersMessage('the HTTP server', [
  ...serverPackages,
  ...(process.env.DATABASE_URL ? [] : [embeddedPackage]),
]);
if (missing) {
  console.error(missing);
  process.exit(1);
}
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const loopback = /^(localhost|127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3}|\[::1\])$/i;
if (!loopback.test(host) && !process.env.ADMIN_TOKEN) {
  console.error(
    `pg-grind: HOST=${host} is reachable from other machines: set ADMIN_TOKEN (a long random secret) first`,
  );
  process.exit(1);
}
// Settings are checked before the database is opened (which may start an embedded server): a
// misspelt PUBLIC_URL or timeout is reported in one line.
const publicUrl = process.env.PUBLIC_URL || undefined;
let adminToken: AdminToken;
let limits: SessionLimits;
try {
  if (publicUrl) normalizePublicUrl(publicUrl);
  limits = sessionLimits();
  const hashing = defaultHashingLimits();
  setHashingLimits({
    concurrency: countSetting(process.env, 'PGGRIND_HASH_CONCURRENCY', hashing.concurrency, 1),
    queue: countSetting(process.env, 'PGGRIND_HASH_QUEUE', hashing.queue, 0),
  });
  adminToken = loadAdminToken();
} catch (err) {
  console.error(`pg-grind: ${(err as Error).message}`);
  process.exit(1);
}
if (adminToken.source === 'generated') {
  // Printed once, when created: later starts read the file (mode 0600) and stay quiet.
  console.error(`pg-grind: admin token (saved in ${adminToken.file}): ${adminToken.token}`);
}

const { createApp } = await import('./app.js');
const { createLogger } = await import('../../lib/core/logger.js');

const logger = createLogger();
const started = performance.now();
const database = await openDatabase((message) => logger.info(message)).catch((err: Error) => {
  // A refusal (a too powerful role, missing migrations) is one line for the operator, no stack.
  if (!(err instanceof DatabaseSetupError)) throw err;
  console.error(`pg-grind: ${err.message}`);
  process.exit(1);
});
// Pool size: PGGRIND_POOL_MAX, else connect()'s default (docs/performance.md).
const poolMax = Number(process.env.PGGRIND_POOL_MAX) || undefined;
// Behind a transaction pooler (DATABASE_DIRECT_URL set): unprepared, and the session limits cannot
// travel as startup parameters (PgBouncer refuses them): they are the role's or the pooler's.
const sql = connect(database.url, {
  applicationName: 'pg-grind-http',
  ...(poolMax ? { max: poolMax } : {}),
  ...(database.pooled ? { prepare: false } : limits),
});
if (database.pooled && (limits.statementTimeoutMs || limits.idleInTransactionTimeoutMs)) {
  logger.warn(
    limits,
    'DATABASE_URL is a transaction pooler (DATABASE_DIRECT_URL is set): PGGRIND_STATEMENT_TIMEOUT and ' +
      'PGGRIND_IDLE_IN_TRANSACTION_TIMEOUT cannot be sent through it; set them on the role ' +
      "(alter role pggrind_app set statement_timeout = '30s') or in PgBouncer (query_timeout, idle_transaction_timeout)",
  );
}
const app = createApp({
  sql,
  logger,
  adminToken: adminToken.token,
  publicUrl,
  listenUrl: database.pooled ? database.directUrl : undefined,
});

let server: Server;
try {
  server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
} catch (err) {
  // A taken port is an operator's everyday mistake: one line that says what to change, no stack.
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE'
      ? 'is already in use'
      : code === 'EACCES'
        ? 'needs privileges this process lacks'
        : `cannot be listened on (${code ?? (err as Error).message})`;
  console.error(`pg-grind: port ${port} on ${host} ${why}: set PORT (or HOST) to a free address`);
  await sql.end({ timeout: 5 });
  await database.stop();
  process.exit(1);
}
logger.info(
  {
    url: `http://${host}:${port}`,
    docs: `http://${host}:${port}/docs`,
    ...(publicUrl ? { publicUrl } : {}),
    embedded: database.embedded,
    startupMs: Math.round(performance.now() - started),
  },
  'pg-grind listening',
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // In-flight requests get 10 s; then remaining sockets are cut.
  const timer = setTimeout(() => server.closeAllConnections(), 10_000);
  await closed;
  clearTimeout(timer);
  await sql.end({ timeout: 5 });
  await database.stop();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
