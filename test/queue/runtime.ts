// runWorker in this process, with short leases and intervals: heartbeats, lost leases, stop with a
// timeout, unknown tasks, maintenance. (Multi-process behaviour is in queue-worker.ts.)
import t from 'tap';
import { addJob, findJob, getJob, runWorker } from '../../src/lib/queue/index.js';
import { testDb } from '../helpers/db.js';

t.setTimeout(120_000);
const { sql } = await testDb(t, { max: 8 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

t.test('heartbeats keep the lease of a job that outlives it; a lost lease aborts the handler', async (t) => {
  let aborted = false;
  const w = await runWorker({
    sql, leaseSeconds: 0.6, pollInterval: 50, schedules: false, workerId: 'hb',
    tasks: {
      slow: () => sleep(1500),
      stuck: (_p, { signal }) => new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => { aborted = true; reject(signal.reason); });
      }),
    },
  });
  t.teardown(() => w.stop(100));
  const slow = await addJob(sql, { task: 'slow' });
  await waitFor('slow done', async () => (await getJob(sql, slow.id)).state === 'completed');
  t.match(await getJob(sql, slow.id), { state: 'completed', attempts: 1 }, 'ran once although it outlived its lease three times');
  const stuck = await addJob(sql, { task: 'stuck' });
  await waitFor('stuck running', async () => (await getJob(sql, stuck.id)).state === 'running');
  await sql`update queue.jobs set locked_by = 'thief' where id = ${stuck.id}`;
  await waitFor('abort', async () => aborted);
  t.ok(aborted, 'the handler saw its signal abort when the heartbeat found the lease gone');
  t.equal((await getJob(sql, stuck.id)).locked_by, 'thief', 'the lost job was left to its new holder');
  await sql`delete from queue.jobs where id = ${stuck.id}`;
});

t.test('stop with a timeout aborts and releases jobs that do not finish', async (t) => {
  let sawAbort = false;
  let started = false;
  const w = await runWorker({
    sql, pollInterval: 50, schedules: false,
    tasks: { hang: (_p, { signal }) => new Promise<void>((resolve) => {
      started = true;
      signal.addEventListener('abort', () => { sawAbort = true; resolve(); });
    }) },
  });
  const job = await addJob(sql, { task: 'hang' });
  await waitFor('handler started', async () => started);
  await w.stop(200);
  await w.done;
  t.ok(sawAbort, 'handler aborted');
  t.match(await getJob(sql, job.id), { state: 'waiting', attempts: 0, locked_by: null }, 'released, attempt not counted');
  await sql`delete from queue.jobs where id = ${job.id}`;
});

t.test('a handler that reads its signal only after the abort sees it aborted, with the reason', async (t) => {
  // helpers.signal is made on first read: an abort that came before must still show
  let started = false;
  let late: AbortSignal | undefined;
  let release!: () => void;
  const w = await runWorker({
    sql, pollInterval: 50, schedules: false,
    tasks: { late: async (_p, helpers) => {
      started = true;
      await new Promise<void>((r) => (release = r));
      late = helpers.signal;
    } },
  });
  const job = await addJob(sql, { task: 'late' });
  await waitFor('handler started', async () => started);
  const stopped = w.stop(100);
  await sleep(300); // past the stop timeout: the job was aborted and released
  release();
  await stopped;
  await sleep(20); // the handler's last line runs
  t.ok(late?.aborted, 'signal read after the abort is already aborted');
  t.match(late?.reason, { message: 'worker stopping' });
  t.match(await getJob(sql, job.id), { state: 'waiting', attempts: 0 }, 'released, not completed');
  await sql`delete from queue.jobs where id = ${job.id}`;
});

t.test('an unknown task fails its attempt; maintenance prunes history', async (t) => {
  const w = await runWorker({ sql, pollInterval: 50, schedules: false, historySeconds: 0.5, maintenanceInterval: 100, tasks: { known: () => {} } });
  t.teardown(() => w.stop());
  const stray = await addJob(sql, { task: 'unknown', maxAttempts: 1 });
  await waitFor('failed', async () => (await findJob(sql, stray.id))?.state === 'failed');
  t.match(await getJob(sql, stray.id), { state: 'failed', last_error: 'no handler for task unknown' });
  await waitFor('pruned', async () => (await findJob(sql, stray.id)) === undefined);
  t.pass('history older than historySeconds was pruned');
  t.ok(w.stats.failed >= 1);
});

t.test('a task named after an Object.prototype member has no handler unless the task list defines it', async (t) => {
  const w = await runWorker({ sql, pollInterval: 50, schedules: false, tasks: { known: () => {} } });
  t.teardown(() => w.stop());
  const names = ['constructor', 'toString', 'hasOwnProperty', '__proto__'];
  const jobs = await Promise.all(names.map((task) => addJob(sql, { task, maxAttempts: 1 })));
  await waitFor('all finished', async () => {
    const found = await Promise.all(jobs.map((j) => findJob(sql, j.id)));
    return found.every((j) => j?.state === 'failed' || j?.state === 'completed');
  });
  for (const [i, task] of names.entries()) {
    t.match(await getJob(sql, jobs[i]!.id), { state: 'failed', last_error: `no handler for task ${task}` }, task);
  }
});
