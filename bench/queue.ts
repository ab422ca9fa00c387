/**
 * `npm run bench:queue`: pg-grind/queue (default, and with keepCompleted: false, which deletes
 * completed jobs instead of keeping them in job_history, as graphile-worker does) against
 * graphile-worker (tuned: local queue of 500, batched completion) and pg-boss (8 loops of fetch(100)
 * + complete, the next fetch at once after a full batch), same workloads, each system in a fresh
 * database, the systems run back to back inside each workload so they share the machine's noise.
 * Each workload runs a warm-up round at a quarter of the sizes (not counted), then four measured
 * rounds whose orders form a Williams square: each system runs once in each position and once after
 * each other system. The first system measured used to be slower (cold code, the previous workload's writes
 * still being flushed), and it was always pg-grind; even after a warm-up, position 1 measured worse.
 * A CHECKPOINT before each system's run flushes the previous one's writes. A system's figure is over
 * all measured rounds (throughput: jobs over time; latency: percentiles of all samples):
 *   1. add one by one, 8 producers        (jobs/s)
 *   2. add in bulk, batches of 1000        (jobs/s)
 *   3. drain 20,000 no-op jobs at concurrency 8 (jobs/s, from worker start to last job started)
 *   4. add-to-start latency at 200 jobs/s with idle workers (p50, p99 ms; after 100 unmeasured jobs)
 * Sizes per round: BENCH_SINGLE (4000), BENCH_BULK (20000), BENCH_DRAIN (20000), BENCH_LATENCY_JOBS (1000).
 * BENCH_ONLY=single,bulk,latency runs only the named workloads (bulk includes the drain).
 * Latency is measured in the one bench process with performance.now() (sub-millisecond), from just
 * before the add call to the start of the handler.
 * DATABASE_URL picks the server (the figures are PostgreSQL 15 defaults); else embedded 18.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger as GwLogger, makeWorkerUtils, run as gwRun } from 'graphile-worker';
import PgBoss from 'pg-boss';
import pg from 'pg';
import postgres from 'postgres';
import { connect, type Pool } from '../src/lib/core/db.js';
import { addJob, addJobs, runWorker } from '../src/lib/queue/index.js';
import { benchServer, freshDatabase, progress, report, type BenchServer, type Row } from './lib.js';

const SINGLE = Number(process.env.BENCH_SINGLE ?? 4000);
const BULK = Number(process.env.BENCH_BULK ?? 20000);
const DRAIN = Number(process.env.BENCH_DRAIN ?? 20000);
const LATENCY_JOBS = Number(process.env.BENCH_LATENCY_JOBS ?? 1000);
const LATENCY_WARMUP = 100;
const PRODUCERS = 8;
const CONCURRENCY = 8;
const CHUNK = 1000;
const ONLY = new Set((process.env.BENCH_ONLY ?? 'single,bulk,latency').split(','));
/** milliseconds on a clock shared by producers and handlers of this process */
const now = () => performance.timeOrigin + performance.now();

interface System {
  addOne(i: number): Promise<unknown>;
  addMany(n: number, offset: number): Promise<unknown>;
  /** Starts workers running `handler` for the task 'noop'; resolves to their stop function. */
  work(handler: (payload: { i?: number; t?: number }) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
type Maker = (url: string) => Promise<System>;

const ours =
  (keepCompleted: boolean): Maker =>
  async (url) => {
    const sql: Pool = connect(url, { max: PRODUCERS + 4 });
    return {
      addOne: (i) => addJob(sql, { task: 'noop', payload: { i, t: now() } }),
      addMany: (n, offset) =>
        addJobs(
          sql,
          Array.from({ length: n }, (_, k) => ({ task: 'noop', payload: { i: offset + k } })),
        ),
      async work(handler) {
        const w = await runWorker({
          sql,
          concurrency: CONCURRENCY,
          batchSize: 500,
          keepCompleted,
          tasks: { noop: (p) => handler(p) },
        });
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
    addOne: (i) => utils.addJob('noop', { i, t: now() }),
    addMany: (n, offset) =>
      utils.addJobs(Array.from({ length: n }, (_, k) => ({ identifier: 'noop', payload: { i: offset + k } }))),
    async work(handler) {
      const runner = await gwRun({
        pgPool,
        concurrency: CONCURRENCY,
        noHandleSignals: true,
        pollInterval: 1000,
        logger,
        taskList: { noop: async (p) => handler(p as { i?: number; t?: number }) },
        preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
      });
      return () => runner.stop();
    },
    close: async () => {
      await utils.release();
      await pgPool.end();
    },
  };
};

const pgboss: Maker = async (url) => {
  const boss = new PgBoss({
    connectionString: url,
    max: PRODUCERS + CONCURRENCY + 2,
    supervise: false,
    schedule: false,
  });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue('noop');
  return {
    addOne: (i) => boss.send('noop', { i, t: now() }),
    addMany: (n, offset) =>
      boss.insert(Array.from({ length: n }, (_, k) => ({ name: 'noop', data: { i: offset + k } }))),
    async work(handler) {
      // 8 loops of fetch(100) + complete, through pg-boss's own API: a loop fetches again at once
      // after a full batch and waits 0.5 s (pg-boss's smallest polling interval) after an empty one.
      // (pg-boss's work() waits its polling interval after every batch, full or not: 8 loops of it
      // drained about 1,650 jobs/s here.)
      const stopping = new AbortController();
      const loops = Array.from({ length: CONCURRENCY }, async () => {
        while (!stopping.signal.aborted) {
          const jobs = await boss.fetch<{ i?: number; t?: number }>('noop', { batchSize: 100 });
          for (const j of jobs) handler(j.data);
          if (jobs.length)
            await boss.complete(
              'noop',
              jobs.map((j) => j.id),
            );
          if (jobs.length < 100) await sleep(500, undefined, { signal: stopping.signal }).catch(() => {});
        }
      });
      return async () => {
        stopping.abort();
        await Promise.all(loops);
      };
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

/**
 * Each system starts on a quiet server: the previous one's writes flushed by a CHECKPOINT (else
 * the checkpoint that the bulk workload's WAL triggers lands on whichever system runs next), and
 * autovacuum given a moment. CHECKPOINT needs a superuser or pg_checkpoint; without, it is skipped.
 */
async function settle(server: BenchServer) {
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  try {
    await admin`checkpoint`;
  } catch {
    // not allowed for this role: measure without
  } finally {
    await admin.end();
  }
  await sleep(200);
}

async function withSystem<T>(
  server: BenchServer,
  label: string,
  make: Maker,
  fn: (s: System) => Promise<T>,
): Promise<T> {
  const db = await freshDatabase(server, `queue_${label}`, { migrate: label === 'ours' || label === 'lean' });
  const s = await make(db.url);
  try {
    await settle(server);
    return await fn(s);
  } finally {
    await s.close();
    await db.drop();
  }
}

/** What a round measures: jobs and milliseconds per throughput figure, and latency samples. */
interface Measures {
  single?: [number, number];
  bulk?: [number, number];
  drain?: [number, number];
  latency?: number[];
}

async function single(s: System, scale = 1): Promise<Measures> {
  const SINGLE_ = Math.round(SINGLE * scale);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < SINGLE_) await s.addOne(next++);
    }),
  );
  return { single: [SINGLE_, performance.now() - t0] };
}

async function bulkThenDrain(s: System, scale = 1): Promise<Measures> {
  const BULK_ = Math.round(BULK * scale);
  const DRAIN_ = Math.max(BULK_, Math.round(DRAIN * scale));
  let t0 = performance.now();
  for (let i = 0; i < BULK_; i += CHUNK) await s.addMany(CHUNK, i);
  const bulk: [number, number] = [BULK_, performance.now() - t0];
  for (let i = BULK_; i < DRAIN_; i += CHUNK) await s.addMany(CHUNK, i);
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  t0 = performance.now();
  const stop = await s.work(() => {
    if (++done === DRAIN_) finish();
  });
  await finished;
  const drain: [number, number] = [DRAIN_, performance.now() - t0];
  await stop();
  return { bulk, drain };
}

async function latency(s: System, scale = 1): Promise<Measures> {
  // The first WARMUP jobs (same rate) are not measured: they time each system's first use of its
  // code paths and prepared statements, not its steady state.
  const total = LATENCY_WARMUP + Math.round(LATENCY_JOBS * scale);
  const lat: number[] = [];
  let seen = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  const stop = await s.work((p) => {
    if (p.i! >= LATENCY_WARMUP) lat.push(now() - p.t!);
    if (++seen === total) finish();
  });
  await sleep(500); // workers settle into waiting
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = start + i * 5 - performance.now();
    if (wait > 0) await sleep(wait);
    void s.addOne(i);
  }
  await Promise.race([all, sleep(30_000, undefined, { ref: false })]); // unref'd: never holds the process open
  await stop();
  return { latency: lat };
}

const server = await benchServer();
const measured = new Map<string, Measures[]>(systems.map(([n]) => [n, []]));
const labels: Record<string, string> = {
  'pg-grind queue': 'ours',
  'pg-grind queue, keepCompleted: false': 'lean',
  'graphile-worker': 'gw',
  'pg-boss': 'boss',
};
const workloads = (
  [
    ['single', single],
    ['bulk', bulkThenDrain],
    ['latency', latency],
  ] as const
).filter(([w]) => ONLY.has(w));
// A warm-up round at a quarter of the sizes, not counted, then four measured rounds in the orders
// of a Williams square: each system runs once in each position, and after each other system once.
const williams = [
  [0, 1, 3, 2],
  [1, 2, 0, 3],
  [2, 3, 1, 0],
  [3, 0, 2, 1],
];
const rounds = [
  { order: systems, scale: 0.25, counted: false },
  ...williams.map((row) => ({ order: row.map((k) => systems[k]!), scale: 1, counted: true })),
];
try {
  const steps = systems.length * workloads.length * rounds.length;
  let step = 0;
  progress('queue', step, steps);
  for (const [, fn] of workloads) {
    for (const { order, scale, counted } of rounds) {
      for (const [name, make] of order) {
        const m = await withSystem(server, labels[name]!, make, (s) => fn(s, scale));
        if (counted) measured.get(name)!.push(m);
        progress('queue', ++step, steps);
      }
    }
  }
} finally {
  await server.stop();
}

interface Figures {
  single?: number;
  bulk?: number;
  drain?: number;
  p50?: number;
  p90?: number;
  p99?: number;
  max?: number;
  seen?: number;
}
function figures(ms: Measures[]): Figures {
  const rate = (k: 'single' | 'bulk' | 'drain') => {
    const xs = ms.map((m) => m[k]).filter((x) => x !== undefined);
    return xs.length ? xs.reduce((a, [n]) => a + n, 0) / (xs.reduce((a, [, t]) => a + t, 0) / 1000) : undefined;
  };
  const lat = ms.flatMap((m) => m.latency ?? []).sort((a, b) => a - b);
  const at = (q: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(lat.length * q))] : undefined);
  return {
    single: rate('single'),
    bulk: rate('bulk'),
    drain: rate('drain'),
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: at(1),
    seen: lat.length,
  };
}
const results = new Map(systems.map(([n]) => [n, figures(measured.get(n)!)]));
const r = (name: string) => results.get(name)!;
const int = (x: number | undefined) => (x === undefined ? null : Math.round(x));
const round2 = (x: number | undefined) => (x === undefined ? null : Math.round(x * 100) / 100);
const rows: Row[] = systems.map(([name]) => ({
  system: name,
  'add 1-by-1 /s': int(r(name).single),
  'add bulk /s': int(r(name).bulk),
  [`drain ${DRAIN} /s`]: int(r(name).drain),
  'latency p50 ms': round2(r(name).p50),
  'latency p99 ms': round2(r(name).p99),
}));
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? null : `${(a / b).toFixed(2)}x`;
for (const peer of ['graphile-worker', 'pg-boss']) {
  const x = (k: keyof Figures) => ratio(r('pg-grind queue')[k], r(peer)[k]);
  rows.push({
    system: `ours (default) / ${peer}`,
    'add 1-by-1 /s': x('single'),
    'add bulk /s': x('bulk'),
    [`drain ${DRAIN} /s`]: x('drain'),
    'latency p50 ms': x('p50'),
    'latency p99 ms': x('p99'),
  });
}
rows.push({
  system: 'ours (keepCompleted: false) / graphile-worker',
  [`drain ${DRAIN} /s`]: ratio(r('pg-grind queue, keepCompleted: false').drain, r('graphile-worker').drain),
});
report('queue', server, rows, {
  targets: 'vs graphile-worker: drain >= 1.5x, 1-by-1 add >= 2x, bulk add >= 1.5x, latency p99 no worse (ratio <= 1)',
  sizes: {
    SINGLE,
    BULK,
    DRAIN,
    LATENCY_JOBS,
    LATENCY_WARMUP,
    PRODUCERS,
    CONCURRENCY,
    CHUNK,
    rounds: 'warm-up at 1/4 size (not counted), then 4 in a Williams square',
  },
  perRound: Object.fromEntries(systems.map(([n]) => [n, measured.get(n)!.map((m) => figures([m]))])),
  latency: Object.fromEntries(
    systems.map(([n]) => [n, { seen: r(n).seen, p50: r(n).p50, p90: r(n).p90, p99: r(n).p99, max: r(n).max }]),
  ),
});
