// runWorker in this process, with short leases and intervals: heartbeats, lost leases, stop with a
// timeout, unknown tasks, maintenance. (Multi-process behaviour is in queue-worker.ts.)
import net from 'node:net';
import t, { type Test } from 'tap';
import { connect } from '../../src/lib/core/db.js';
import { addJob, createSchedule, deleteSchedule, findJob, getJob, runWorker } from '../../src/lib/queue/index.js';
import { testDb } from '../helpers/db.js';

t.setTimeout(120_000);
const { sql, url: dbUrl } = await testDb(t, { max: 8 });
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
    sql,
    leaseSeconds: 0.6,
    pollInterval: 50,
    schedules: false,
    workerId: 'hb',
    tasks: {
      slow: () => sleep(1500),
      stuck: (_p, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          });
        }),
    },
  });
  t.teardown(() => w.stop(100));
  const slow = await addJob(sql, { task: 'slow' });
  await waitFor('slow done', async () => (await getJob(sql, slow.id)).state === 'completed');
  t.match(
    await getJob(sql, slow.id),
    { state: 'completed', attempts: 1 },
    'ran once although it outlived its lease three times',
  );
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
    sql,
    pollInterval: 50,
    schedules: false,
    tasks: {
      hang: (_p, { signal }) =>
        new Promise<void>((resolve) => {
          started = true;
          signal.addEventListener('abort', () => {
            sawAbort = true;
            resolve();
          });
        }),
    },
  });
  const job = await addJob(sql, { task: 'hang' });
  await waitFor('handler started', async () => started);
  await w.stop(200);
  await w.done;
  t.ok(sawAbort, 'handler aborted');
  t.match(
    await getJob(sql, job.id),
    { state: 'waiting', attempts: 0, locked_by: null },
    'released, attempt not counted',
  );
  await sql`delete from queue.jobs where id = ${job.id}`;
});

t.test('a handler that reads its signal only after the abort sees it aborted, with the reason', async (t) => {
  // helpers.signal is made on first read: an abort that came before must still show
  let started = false;
  let late: AbortSignal | undefined;
  let release!: () => void;
  const w = await runWorker({
    sql,
    pollInterval: 50,
    schedules: false,
    tasks: {
      late: async (_p, helpers) => {
        started = true;
        await new Promise<void>((r) => (release = r));
        late = helpers.signal;
      },
    },
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
  const w = await runWorker({
    sql,
    pollInterval: 50,
    schedules: false,
    historySeconds: 0.5,
    maintenanceInterval: 100,
    tasks: { known: () => {} },
  });
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

/**
 * A TCP relay to the test server that can be cut: every open connection is reset and new ones are
 * refused until it is restored, which is what an outage looks like from the worker's side.
 */
async function relay(t: Test, target: string) {
  const to = new URL(target);
  let up = true;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!up) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(to.port || 5432), to.hostname);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', drop);
      s.on('close', drop);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  const url = new URL(target);
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    cut() {
      up = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      up = true;
    },
  };
}

t.test('after a database outage the cron catch-up is bounded like after a restart', async (t) => {
  const link = await relay(t, dbUrl);
  // One connection, open long before the cut: postgres.js leaves a rejection unhandled when a
  // connection is reset while it is still fetching array types, right after connecting.
  const wsql = connect(link.url, { max: 1, applicationName: 'pg-grind-test-outage' });
  t.teardown(() => wsql.end({ timeout: 1 }));
  let clock = Date.now();
  let schedulerFailed: (() => void) | undefined;
  const logger = {
    info() {},
    warn() {},
    error(_obj: object, msg?: string) {
      if (msg === 'queue: scheduler failed') schedulerFailed?.();
    },
  };
  await createSchedule(sql, { name: 'every-minute', cron: '* * * * *', task: 'known' });
  t.teardown(() => deleteSchedule(sql, 'every-minute'));
  const ticks = async () =>
    (await sql`select tick from queue.schedule_ticks where schedule = 'every-minute' order by tick`).map(
      (r) => r.tick as Date,
    );
  const w = await runWorker({
    sql: wsql,
    pollInterval: 50,
    logger,
    tasks: { known: () => {} },
    now: () => new Date(clock),
  });
  t.teardown(() => w.stop(100));

  clock += 60_000; // one minute passes: one tick is due
  await waitFor('the first tick', async () => (await ticks()).length >= 1);
  const before = (await ticks()).length;

  const failed = new Promise<void>((resolve) => (schedulerFailed = resolve));
  link.cut();
  await failed;
  clock += 2 * 86400_000; // the outage lasts two days, longer than schedule_ticks are kept
  link.restore();
  await waitFor('a tick after the outage', async () => (await ticks()).length > before);
  await w.stop(100);
  const after = (await ticks()).slice(before);
  t.equal(
    after.length,
    1,
    `one tick after the outage (the minute before the clock), not one per minute missed: ${after.length}`,
  );
  t.ok(
    after.every((tick) => tick.getTime() > clock - 60_000),
    'no tick older than the catch-up window',
  );
});

t.test('a completion that fails to commit is retried: the job ends completed exactly once', async (t) => {
  const wsql = connect(dbUrl, { max: 4, applicationName: 'queue-lost-completion' });
  t.teardown(() => wsql.end({ timeout: 1 }));
  let runs = 0;
  let handlerStarted!: () => void;
  const handlerRunning = new Promise<void>((r) => (handlerStarted = r));
  let gate!: () => void;
  const gateOpen = new Promise<void>((r) => (gate = r));
  const errors: unknown[] = [];
  const w = await runWorker({
    sql: wsql,
    pollInterval: 50,
    schedules: false,
    workerId: 'lost-completion',
    logger: { info() {}, warn: (obj) => errors.push(obj), error: (obj) => errors.push(obj) },
    tasks: {
      once: async () => {
        runs++;
        handlerStarted();
        await gateOpen;
      },
    },
  });
  t.teardown(() => w.stop(100));
  const job = await addJob(sql, { task: 'once' });
  await handlerRunning;
  await waitFor('its attempt recorded', async () => (await getJob(sql, job.id)).attempts === 1);
  // Hold the job's row so the worker's complete statement waits on it, then kill that backend.
  await sql.begin(async (tx) => {
    await tx`select id from queue.jobs where id = ${job.id} for update`;
    gate();
    let pid: number | undefined;
    await waitFor('the complete statement waiting on the row', async () => {
      // outside tx: a transaction reads pg_stat_activity once and keeps that snapshot
      const [r] = await sql`select pid from pg_stat_activity
                            where application_name = 'queue-lost-completion'
                              and wait_event_type = 'Lock' and query like '%complete_jobs:%'`;
      pid = r?.pid;
      return pid !== undefined;
    });
    await sql`select pg_terminate_backend(${pid!}::int)`;
    await waitFor('the worker saw its statement fail', async () => errors.length > 0);
  });
  await waitFor('the job completed', async () => (await getJob(sql, job.id)).state === 'completed', 10_000);
  await w.stop(1000);
  t.equal(runs, 1, 'the handler ran once');
  const history = await sql`select state, attempts from queue.job_history where id = ${job.id}`;
  t.same(
    history.map((r) => [r.state, r.attempts]),
    [['completed', 1]],
    'completed once, on its first attempt',
  );
  t.equal(w.stats.completed, 1, 'counted once, after it was recorded');
});

t.test('a job whose last lease expired starts only after this run is counted', async (t) => {
  const seen: number[] = [];
  const w = await runWorker({
    sql,
    pollInterval: 50,
    schedules: false,
    tasks: {
      // what a worker killed inside this handler would leave behind
      probe: async (_p, { job }) => {
        const [r] = await sql`select attempts from queue.jobs where id = ${job.id}`;
        seen.push(r!.attempts as number);
      },
    },
  });
  t.teardown(() => w.stop(100));
  // as rescue_jobs leaves a job whose worker died while it ran (one transaction: no claim between)
  const job = await sql.begin(async (tx) => {
    const j = await addJob(tx, { task: 'probe', maxAttempts: 2 });
    await tx`update queue.jobs set attempts = 1, last_error = 'lease expired' where id = ${j.id}`;
    return j;
  });
  await waitFor('probe done', async () => (await getJob(sql, job.id)).state === 'completed');
  t.same(seen, [2], 'the second attempt was recorded before the handler ran');
  t.match(await getJob(sql, job.id), { state: 'completed', attempts: 2 });
});
