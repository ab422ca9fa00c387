/**
 * `npm run bench:queue`: pg-grind/queue (default, and with keepCompleted: false, which deletes
 * completed jobs instead of keeping them in job_history, as graphile-worker does) against graphile-worker (tuned: local queue of 500, batched
 * completion) and pg-boss (100-job fetches), same workloads, each system in a fresh database, the
 * systems run back to back inside each workload so they share the machine's noise:
 *   1. add one by one, 8 producers        (jobs/s)
 *   2. add in bulk, batches of 1000        (jobs/s)
 *   3. drain 20,000 no-op jobs at concurrency 8 (jobs/s, from worker start to last job started)
 *   4. add-to-start latency at 200 jobs/s with idle workers (p50, p99 ms)
 * Sizes: BENCH_SINGLE (4000), BENCH_BULK (20000), BENCH_DRAIN (20000), BENCH_LATENCY_JOBS (600).
 * DATABASE_URL picks the server (the figures are PostgreSQL 15 defaults); else embedded 18.
 */
import { Logger as GwLogger, makeWorkerUtils, run as gwRun } from 'graphile-worker';
import PgBoss from 'pg-boss';
import pg from 'pg';
import { connect, type Pool } from '../src/lib/db.js';
import { addJob, addJobs, runWorker } from '../src/lib/queue/index.js';
import { benchServer, freshDatabase, progress, report, type BenchServer, type Row } from './lib.js';

const SINGLE = Number(process.env.BENCH_SINGLE ?? 4000);
const BULK = Number(process.env.BENCH_BULK ?? 20000);
const DRAIN = Number(process.env.BENCH_DRAIN ?? 20000);
const LATENCY_JOBS = Number(process.env.BENCH_LATENCY_JOBS ?? 600);
const PRODUCERS = 8;
const CONCURRENCY = 8;
const CHUNK = 1000;

interface System {
  addOne(i: number): Promise<unknown>;
  addMany(n: number, offset: number): Promise<unknown>;
  /** Starts workers running `handler` for the task 'noop'; resolves to their stop function. */
  work(handler: (payload: { t?: number }) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
type Maker = (url: string) => Promise<System>;

const ours = (keepCompleted: boolean): Maker => async (url) => {
  const sql: Pool = connect(url, { max: PRODUCERS + 4 });
  return {
    addOne: (i) => addJob(sql, { task: 'noop', payload: { i, t: Date.now() } }),
    addMany: (n, offset) => addJobs(sql, Array.from({ length: n }, (_, k) => ({ task: 'noop', payload: { i: offset + k } }))),
    async work(handler) {
      const w = await runWorker({ sql, concurrency: CONCURRENCY, batchSize: 500, keepCompleted, tasks: { noop: (p) => handler(p) } });
      return () => w.stop();
    },
    close: () => sql.end(),
  };
};

const graphile: Maker = async (url) => {
  const logger = new GwLogger(() => () => {});
  // our own pg pool, so that its end is awaited before the database is dropped
  const pgPool = new pg.Pool({ connectionString: url, max: PRODUCERS + CONCURRENCY + 2 });
  pgPool.on('error', () => {});
  const utils = await makeWorkerUtils({ pgPool, logger });
  await utils.migrate();
  return {
    addOne: (i) => utils.addJob('noop', { i, t: Date.now() }),
    addMany: (n, offset) => utils.addJobs(Array.from({ length: n }, (_, k) => ({ identifier: 'noop', payload: { i: offset + k } }))),
    async work(handler) {
      const runner = await gwRun({
        pgPool, concurrency: CONCURRENCY, noHandleSignals: true, pollInterval: 1000, logger,
        taskList: { noop: async (p) => handler(p as { t?: number }) },
        preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
      });
      return () => runner.stop();
    },
    close: async () => { await utils.release(); await pgPool.end(); },
  };
};

const pgboss: Maker = async (url) => {
  const boss = new PgBoss({ connectionString: url, max: PRODUCERS + CONCURRENCY + 2, supervise: false, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue('noop');
  return {
    addOne: (i) => boss.send('noop', { i, t: Date.now() }),
    addMany: (n, offset) => boss.insert(Array.from({ length: n }, (_, k) => ({ name: 'noop', data: { i: offset + k } }))),
    async work(handler) {
      // pg-boss 10 has no per-worker concurrency: 8 work() loops, each fetching up to 100 jobs.
      const ids: string[] = [];
      for (let k = 0; k < CONCURRENCY; k++) {
        ids.push(await boss.work<{ t?: number }>('noop', { batchSize: 100, pollingIntervalSeconds: 0.5 }, async (jobs) => {
          for (const j of jobs) handler(j.data);
        }));
      }
      return async () => { for (const id of ids) await boss.offWork(id); };
    },
    close: () => boss.stop({ graceful: false, wait: true }),
  };
};

const systems: [string, Maker][] = [
  ['pg-grind queue', ours(true)],
  ['pg-grind queue, keepCompleted: false', ours(false)],
  ['graphile-worker', graphile],
  ['pg-boss', pgboss],
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withSystem<T>(server: BenchServer, label: string, make: Maker, fn: (s: System) => Promise<T>): Promise<T> {
  const db = await freshDatabase(server, `queue_${label}`, { migrate: label === 'ours' || label === 'lean' });
  const s = await make(db.url);
  try {
    return await fn(s);
  } finally {
    await s.close();
    await db.drop();
  }
}

async function single(s: System) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: PRODUCERS }, async () => { while (next < SINGLE) await s.addOne(next++); }));
  return SINGLE / ((performance.now() - t0) / 1000);
}

async function bulkThenDrain(s: System) {
  let t0 = performance.now();
  for (let i = 0; i < BULK; i += CHUNK) await s.addMany(CHUNK, i);
  const bulk = BULK / ((performance.now() - t0) / 1000);
  for (let i = BULK; i < DRAIN; i += CHUNK) await s.addMany(CHUNK, i);
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  t0 = performance.now();
  const stop = await s.work(() => { if (++done === DRAIN) finish(); });
  await finished;
  const drain = DRAIN / ((performance.now() - t0) / 1000);
  await stop();
  return { bulk, drain };
}

async function latency(s: System) {
  const lat: number[] = [];
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  const stop = await s.work((p) => { lat.push(Date.now() - p.t!); if (lat.length === LATENCY_JOBS) finish(); });
  await sleep(500); // workers settle into waiting
  const start = performance.now();
  for (let i = 0; i < LATENCY_JOBS; i++) {
    const wait = start + i * 5 - performance.now();
    if (wait > 0) await sleep(wait);
    void s.addOne(i);
  }
  await Promise.race([all, sleep(30_000)]);
  await stop();
  lat.sort((a, b) => a - b);
  return { p50: lat[Math.floor(lat.length * 0.5)] ?? NaN, p99: lat[Math.floor(lat.length * 0.99)] ?? NaN, seen: lat.length };
}

const server = await benchServer();
const results = new Map<string, Record<string, number>>(systems.map(([n]) => [n, {}]));
const labels: Record<string, string> = { 'pg-grind queue': 'ours', 'pg-grind queue, keepCompleted: false': 'lean', 'graphile-worker': 'gw', 'pg-boss': 'boss' };
try {
  const steps = systems.length * 3;
  let step = 0;
  progress('queue', step, steps);
  for (const [name, make] of systems) {
    results.get(name)!.single = await withSystem(server, labels[name]!, make, single);
    progress('queue', ++step, steps);
  }
  for (const [name, make] of systems) {
    Object.assign(results.get(name)!, await withSystem(server, labels[name]!, make, bulkThenDrain));
    progress('queue', ++step, steps);
  }
  for (const [name, make] of systems) {
    Object.assign(results.get(name)!, await withSystem(server, labels[name]!, make, latency));
    progress('queue', ++step, steps);
  }
} finally {
  await server.stop();
}

const r = (name: string) => results.get(name)!;
const rows: Row[] = systems.map(([name]) => ({
  system: name,
  'add 1-by-1 /s': Math.round(r(name).single!),
  'add bulk /s': Math.round(r(name).bulk!),
  [`drain ${DRAIN} /s`]: Math.round(r(name).drain!),
  'latency p50 ms': r(name).p50!,
  'latency p99 ms': r(name).p99!,
}));
for (const peer of ['graphile-worker', 'pg-boss']) {
  const x = (k: string) => `${(r('pg-grind queue')[k]! / r(peer)[k]!).toFixed(2)}x`;
  rows.push({ system: `ours (default) / ${peer}`, 'add 1-by-1 /s': x('single'), 'add bulk /s': x('bulk'), [`drain ${DRAIN} /s`]: x('drain'),
    'latency p50 ms': x('p50'), 'latency p99 ms': x('p99') });
}
const lean = r('pg-grind queue, keepCompleted: false');
rows.push({ system: 'ours (keepCompleted: false) / graphile-worker', [`drain ${DRAIN} /s`]: `${(lean.drain! / r('graphile-worker').drain!).toFixed(2)}x` });
report('queue', server, rows, {
  targets: 'vs graphile-worker: drain >= 1.5x, 1-by-1 add >= 2x, bulk add >= 1.5x, latency p99 no worse (ratio <= 1)',
  sizes: { SINGLE, BULK, DRAIN, LATENCY_JOBS, PRODUCERS, CONCURRENCY, CHUNK },
  latencyJobsSeen: Object.fromEntries(systems.map(([n]) => [n, r(n).seen])),
});
