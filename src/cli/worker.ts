/**
 * `npm run worker -- --tasks ./tasks.js [--concurrency 8] [--batch-size 32] [--poll-interval 1000]
 * [--lease-seconds 300] [--no-schedules]`: runs a pg-grind/queue worker against DATABASE_URL (else the
 * embedded PostgreSQL, like `npm start`), migrating it first. The tasks module exports task handlers
 * by name (named exports, or a default export object). SIGINT/SIGTERM stop gracefully: no new
 * claims, running jobs finish (30 s, then they are aborted and released).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { connect } from '../lib/core/db.js';
import { DatabaseSetupError, openDatabase } from '../lib/core/database.js';
import { embeddedPackage, missingPeersMessage } from '../lib/core/peers.js';
import { runWorker, type TaskList } from '../lib/queue/index.js';

const usage =
  'usage: npm run worker -- --tasks ./path/to/tasks.js [--concurrency N] [--batch-size N] [--poll-interval ms] [--lease-seconds s] [--no-schedules]';
const options = {
  tasks: { type: 'string' },
  concurrency: { type: 'string', default: '8' },
  'batch-size': { type: 'string' },
  'poll-interval': { type: 'string', default: '1000' },
  'lease-seconds': { type: 'string', default: '300' },
  'no-schedules': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;
let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
try {
  ({ values } = parseArgs({ options }));
} catch (err) {
  // an unknown option or a missing value: parseArgs' message names it
  console.error(`${(err as Error).message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (!values.tasks) {
  console.error(usage);
  process.exit(2);
}
const positive = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0)) {
    console.error(`--${name} must be a positive number`);
    process.exit(2);
  }
  return n;
};

// pino (and without DATABASE_URL the PostgreSQL binaries) are optional peers of the package.
const missing = missingPeersMessage('the queue worker', [
  'pino',
  ...(process.env.DATABASE_URL ? [] : [embeddedPackage]),
]);
if (missing) {
  console.error(missing);
  process.exit(1);
}
const { createLogger } = await import('../lib/core/logger.js');
const logger = createLogger();
const mod = (await import(pathToFileURL(path.resolve(values.tasks)).href)) as Record<string, unknown>;
const source = (mod.default && typeof mod.default === 'object' ? mod.default : mod) as Record<string, unknown>;
const tasks: TaskList = Object.fromEntries(
  Object.entries(source).filter(([, f]) => typeof f === 'function'),
) as TaskList;
if (Object.keys(tasks).length === 0) {
  console.error(`${values.tasks} exports no task functions`);
  process.exit(2);
}

// every argument is checked before the database is opened (which may start an embedded server)
const concurrency = positive('concurrency', values.concurrency)!;
const batchSize = positive('batch-size', values['batch-size']);
const pollInterval = positive('poll-interval', values['poll-interval']);
const leaseSeconds = positive('lease-seconds', values['lease-seconds']);
const database = await openDatabase((message) => logger.info(message)).catch((err: Error) => {
  // A refusal (a too powerful role, missing migrations) is one line for the operator, no stack.
  if (!(err instanceof DatabaseSetupError)) throw err;
  console.error(`pg-grind: ${err.message}`);
  process.exit(1);
});
// JIT off: a misestimate that crosses jit_above_cost turns a 4 ms claim into 200 ms of compiling.
// Behind a transaction pooler (DATABASE_DIRECT_URL set) statements run unprepared and jit cannot be a
// startup parameter (PgBouncer refuses it: set it on the role), and LISTEN goes straight to PostgreSQL.
const sql = connect(database.url, {
  max: Math.min(20, concurrency + 4),
  ...(database.pooled ? { prepare: false } : {}),
  options: { connection: { application_name: 'pg-grind-worker', ...(database.pooled ? {} : { jit: 'off' }) } },
});
const listenSql = database.pooled
  ? connect(database.directUrl, { max: 1, applicationName: 'pg-grind-worker-listen' })
  : undefined;
const worker = await runWorker({
  sql,
  listenSql,
  tasks,
  logger,
  concurrency,
  batchSize,
  pollInterval,
  leaseSeconds,
  schedules: !values['no-schedules'],
});
logger.info({ workerId: worker.workerId, tasks: Object.keys(tasks), concurrency }, 'queue worker started');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'queue worker stopping');
  await worker.stop();
  await sql.end({ timeout: 5 });
  await listenSql?.end({ timeout: 5 });
  await database.stop();
  logger.info(worker.stats, 'queue worker stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
