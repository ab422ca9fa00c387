/**
 * `npm start`: opens the database (DATABASE_URL, else the embedded PostgreSQL 18 under .data/),
 * migrates it, and serves every project's API on HOST:PORT (default 127.0.0.1:3000).
 * SIGINT/SIGTERM: stop accepting, finish in-flight requests, close the pool, stop the embedded server
 * (unless another process, say a queue worker, still uses it).
 */
import type { Server } from 'node:http';
import { connect } from '../../lib/core/db.js';
import { countSetting, openDatabase, sessionLimits, type SessionLimits } from '../../lib/core/database.js';
import { defaultHashingLimits, setHashingLimits } from '../../lib/core/password.js';
import { embeddedPackage, missingPeersMessage, serverPackages } from '../../lib/core/peers.js';

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
const { createApp } = await import('./app.js');
const { createLogger } = await import('../../lib/core/logger.js');

const logger = createLogger();
const started = performance.now();
// Checked before the database is opened (which may start an embedded server): a typo is one line.
let limits: SessionLimits;
try {
  limits = sessionLimits();
  const hashing = defaultHashingLimits();
  setHashingLimits({
    concurrency: countSetting(process.env, 'PGGRIND_HASH_CONCURRENCY', hashing.concurrency, 1),
    queue: countSetting(process.env, 'PGGRIND_HASH_QUEUE', hashing.queue, 0),
  });
} catch (err) {
  console.error(`pg-grind: ${(err as Error).message}`);
  process.exit(1);
}
const database = await openDatabase((message) => logger.info(message));
// Pool size: PGGRIND_POOL_MAX, else connect()'s default (README, "Performance").
const poolMax = Number(process.env.PGGRIND_POOL_MAX) || undefined;
const sql = connect(database.url, {
  applicationName: 'pg-grind-http',
  ...(poolMax ? { max: poolMax } : {}),
  ...limits,
});
const app = createApp({ sql, logger });
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';

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
