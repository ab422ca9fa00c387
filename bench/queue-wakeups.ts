/**
 * `npm run bench -- queue-wakeups`: how often a job of pg-grind/queue waits for a poll instead of
 * being started by a wake-up. Workers poll only once an hour here, so a lost wake-up shows as a job
 * still waiting when every other has run.
 *
 * Producers NOTIFY only the worker whose idle flag they take (see src/lib/queue/worker.ts). The one
 * window left: a producer reads the flag just before a worker's claim commits it as idle, and
 * commits its job just after the worker's next look. In normal runs the poll (default 1 s) starts
 * such a job.
 * Sizes: BENCH_WAKEUP_JOBS per round (3000), BENCH_WAKEUP_ROUNDS (5); 4 producers adding one job
 * at a time with random gaps of 0-6 ms; 2 workers of concurrency 4.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '../src/lib/core/db.js';
import { addJob, runWorker } from '../src/lib/queue/index.js';
import { benchServer, freshDatabase, progress, report } from './lib.js';

const JOBS = Number(process.env.BENCH_WAKEUP_JOBS ?? 3000);
const ROUNDS = Number(process.env.BENCH_WAKEUP_ROUNDS ?? 5);
const PRODUCERS = 4;
const WORKERS = 2;

async function round(url: string): Promise<number> {
  const sql = connect(url, { max: 12 });
  let ran = 0;
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, () =>
      runWorker({
        sql,
        concurrency: 4,
        pollInterval: 3_600_000,
        schedules: false,
        tasks: {
          noop: () => {
            ran++;
          },
        },
      }),
    ),
  );
  let next = 0;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < JOBS) {
        next++;
        await sleep(Math.random() * 6);
        await addJob(sql, { task: 'noop' });
      }
    }),
  );
  // A woken job starts within milliseconds; give stragglers 3 s before counting them as lost.
  const deadline = Date.now() + 3000;
  while (ran < JOBS && Date.now() < deadline) await sleep(20);
  for (const w of workers) await w.stop();
  await sql.end();
  return JOBS - ran;
}

const server = await benchServer();
let lost = 0;
try {
  progress('queue-wakeups', 0, ROUNDS);
  for (let i = 0; i < ROUNDS; i++) {
    const db = await freshDatabase(server, 'wakeups');
    try {
      lost += await round(db.url);
    } finally {
      await db.drop();
    }
    progress('queue-wakeups', i + 1, ROUNDS);
  }
} finally {
  await server.stop();
}
report(
  'queue-wakeups',
  server,
  [
    {
      jobs: JOBS * ROUNDS,
      producers: PRODUCERS,
      workers: WORKERS,
      'started by a wake-up': JOBS * ROUNDS - lost,
      'waited for a poll': lost,
    },
  ],
  { rounds: ROUNDS },
);
