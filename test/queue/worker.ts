// Integration tier, real processes: worker processes forked from test/fixtures/queue-worker.ts run
// jobs that record each run in public.runs; the assertions are about what ran, how often, by whom.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import t, { type Test } from 'tap';
import { loadSql, many } from '../../src/lib/core/db.js';
import { addJobs, createSchedule, deleteSchedule, setQueueLimit } from '../../src/lib/queue/index.js';
import { packageRoot } from '../../src/lib/core/paths.js';
import { testDb } from '../helpers/db.js';

// Real processes on 2 shared cores: far above tap's 30 s default, and sizes kept to a few thousand jobs.
t.setTimeout(240_000);

const fixture = path.join(packageRoot, 'test', 'fixtures', 'queue-worker.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Worker {
  id: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

async function startWorker(t: Test, url: string, id: string, env: Record<string, string> = {}): Promise<Worker> {
  const child = fork(fixture, [], {
    // tap's own loaders (TypeScript, coverage) when under tap, so the children's coverage maps onto src/
    execArgv: process.execArgv.some((a) => a.includes('@tapjs')) ? process.execArgv : ['--import', 'tsx'],
    env: { ...process.env, QUEUE_TEST_URL: url, WORKER_ID: id, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`worker ${id} exited with ${code} before ready`)));
  });
  return { id, child, exited };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function setup(t: Test) {
  const db = await testDb(t);
  // The test's own table, which the workers (as the request role) write their runs into.
  await db.superSql`create table public.runs (
    id bigint generated always as identity primary key, job_id bigint not null, worker text not null,
    attempt int not null, started_at timestamptz not null default clock_timestamp(), finished_at timestamptz)`;
  await db.superSql`grant select, insert, update on public.runs to pggrind_app`;
  return db;
}

const stopAll = async (workers: Worker[]) => {
  for (const w of workers) w.child.kill('SIGTERM');
  return Promise.all(workers.map((w) => w.exited));
};

t.test('3 workers x 2000 jobs: every job runs exactly once', async (t) => {
  const { sql, url } = await setup(t);
  const jobs = await addJobs(
    sql,
    Array.from({ length: 2000 }, (_, i) => ({ task: 'record', payload: { i } })),
  );
  const workers = await Promise.all(['a', 'b', 'c'].map((id) => startWorker(t, url, id)));
  await waitFor(
    '2000 completed',
    async () => (await sql`select count(*)::int as n from queue.job_history`)[0]!.n === 2000,
  );
  t.same(await stopAll(workers), [0, 0, 0], 'graceful exits');
  const [r] =
    await sql`select count(*)::int as runs, count(distinct job_id)::int as jobs, max(attempt)::int as max_attempt from public.runs`;
  t.same(r, { runs: 2000, jobs: 2000, max_attempt: 1 }, 'one run per job, first attempt');
  const [h] =
    await sql`select count(*)::int as n from queue.job_history where state = 'completed' and id = any(${jobs.map((j) => j.id)}::bigint[])`;
  t.equal(h!.n, 2000, 'all completed in history');
  t.equal((await sql`select count(*)::int as n from queue.jobs`)[0]!.n, 0, 'hot table empty');
});

t.test("SIGKILL mid-batch: every job completes; only the dead worker's jobs may run twice", async (t) => {
  const { sql, url } = await setup(t);
  await addJobs(
    sql,
    Array.from({ length: 1200 }, (_, i) => ({ task: 'record', payload: { i, ms: 15 } })),
  );
  const env = { LEASE_SECONDS: '2', BATCH: '32', CONCURRENCY: '4' };
  const victim = await startWorker(t, url, 'victim', env);
  let held = 0;
  await waitFor('victim busy, holding jobs', async () => {
    const [r] = await sql`select (select count(*)::int from public.runs where worker = 'victim') as runs,
                                 (select count(*)::int from queue.jobs where locked_by = 'victim') as held`;
    held = r!.held;
    return r!.runs >= 50 && held > 0;
  });
  // The survivor starts once the victim is busy: started together on a loaded machine, a slow
  // victim found the survivor had drained everything and never held a job to die with.
  const survivor = await startWorker(t, url, 'survivor', env);
  victim.child.kill('SIGKILL');
  await victim.exited;
  t.ok(held > 0, `the victim held about ${held} jobs when killed`);
  await waitFor(
    '1200 completed',
    async () => (await sql`select count(*)::int as n from queue.job_history`)[0]!.n === 1200,
  );
  t.same(await stopAll([survivor]), [0]);
  const [h] =
    await sql`select count(*)::int as n, count(*) filter (where state = 'completed')::int as completed from queue.job_history`;
  t.same(h, { n: 1200, completed: 1200 }, 'every job completed, once in history');
  const twice =
    await sql`select job_id, array_agg(worker order by id) as workers from public.runs group by job_id having count(*) > 1`;
  t.ok(
    twice.every((r) => (r.workers as string[]).includes('victim')),
    `${twice.length} jobs ran twice, each one first held by the victim`,
  );
  t.ok(twice.length <= 32 + 4, 'no more re-runs than the victim could hold (batch + concurrency)');
  const [{ n: missing }] =
    (await sql`select count(*)::int as n from generate_series(1, 1200) g where not exists (select 1 from public.runs r where r.job_id = g)`) as any;
  t.equal(missing, 0, 'nothing lost');
});

t.test('retries with exponential backoff, then failure when attempts run out', async (t) => {
  const { sql, url } = await setup(t);
  const [ok, doomed] = await addJobs(sql, [
    { task: 'record', payload: { failUntil: 3 }, maxAttempts: 5 },
    { task: 'record', payload: { failUntil: 99 }, maxAttempts: 2 },
  ]);
  const w = await startWorker(t, url, 'r1');
  await waitFor('both finished', async () => (await sql`select count(*)::int as n from queue.job_history`)[0]!.n === 2);
  t.same(await stopAll([w]), [0]);
  const hist = await sql`select id, state, attempts, last_error from queue.job_history order by id`;
  t.match(hist[0], { id: ok!.id, state: 'completed', attempts: 3 });
  t.match(hist[1], { id: doomed!.id, state: 'failed', attempts: 2, last_error: 'attempt 2 fails' });
  const starts = (
    await sql`select extract(epoch from started_at)::float8 as s from public.runs where job_id = ${ok!.id} order by id`
  ).map((r) => r.s as number);
  t.equal(starts.length, 3);
  // backoff: base 0.2 s * 2^(attempt-1), jitter in [0.75, 1.25): at least 0.15 s, then 0.3 s
  t.ok(starts[1]! - starts[0]! >= 0.15, `first retry waited ${(starts[1]! - starts[0]!).toFixed(3)} s`);
  t.ok(starts[2]! - starts[1]! >= 0.3, `second retry waited ${(starts[2]! - starts[1]!).toFixed(3)} s`);
});

t.test('per-queue limits across workers: serial order, and at most 2 at once', async (t) => {
  const { sql, url } = await setup(t);
  await setQueueLimit(sql, 'serial', 1);
  await setQueueLimit(sql, 'two', 2);
  const serial = await addJobs(
    sql,
    Array.from({ length: 40 }, (_, i) => ({ task: 'record', queue: 'serial', payload: { i, ms: 5 } })),
  );
  await addJobs(
    sql,
    Array.from({ length: 40 }, (_, i) => ({ task: 'record', queue: 'two', payload: { i, ms: 10 } })),
  );
  await addJobs(
    sql,
    Array.from({ length: 100 }, (_, i) => ({ task: 'record', payload: { i } })),
  );
  const workers = await Promise.all(
    ['q1', 'q2', 'q3'].map((id) => startWorker(t, url, id, { CONCURRENCY: '4', BATCH: '8' })),
  );
  await waitFor(
    '180 completed',
    async () => (await sql`select count(*)::int as n from queue.job_history`)[0]!.n === 180,
  );
  t.same(await stopAll(workers), [0, 0, 0]);
  const runsOf = (q: string) => sql`select r.job_id, r.worker, r.started_at, r.finished_at from public.runs r
    join queue.job_history h on h.id = r.job_id where h.queue = ${q} order by r.started_at`;
  const s = await runsOf('serial');
  t.same(
    s.map((r) => r.job_id),
    serial.map((j) => j.id),
    'serial jobs ran in id order, once each',
  );
  t.ok(
    s.every((r, i) => i === 0 || r.started_at >= s[i - 1]!.finished_at),
    'no two serial jobs overlapped',
  );
  t.ok(new Set(s.map((r) => r.worker)).size >= 1, `serial jobs ran on ${new Set(s.map((r) => r.worker)).size} workers`);
  const [{ peak }] = (await sql`select max(c)::int as peak from (
    select (select count(*) from public.runs o join queue.job_history h on h.id = o.job_id
             where h.queue = 'two' and o.started_at <= r.started_at and o.finished_at > r.started_at) as c
      from public.runs r join queue.job_history h on h.id = r.job_id where h.queue = 'two') x`) as any;
  t.ok(peak <= 2, `queue 'two' peaked at ${peak} running jobs`);
  t.same(
    (await sql`select name, running from queue.queues order by name`).map((r) => [r.name, r.running]),
    [
      ['serial', 0],
      ['two', 0],
    ],
    'slots all given back',
  );
});

t.test('cron with 3 schedulers: each tick fires exactly once, no tick skipped', async (t) => {
  const { sql, url } = await setup(t);
  await createSchedule(sql, { name: 'every-second', cron: '* * * * * *', task: 'record' });
  const workers = await Promise.all(['c1', 'c2', 'c3'].map((id) => startWorker(t, url, id, { SCHEDULES: '1' })));
  await waitFor('4 ticks', async () => (await sql`select count(*)::int as n from queue.schedule_ticks`)[0]!.n >= 4);
  const ticks = await sql`select tick, job_id from queue.schedule_ticks order by tick`;
  await deleteSchedule(sql, 'every-second');
  const ids = ticks.map((r) => r.job_id as string);
  await waitFor(
    'tick jobs done',
    async () =>
      (await sql`select count(*)::int as n from queue.job_history where id = any(${ids}::bigint[])`)[0]!.n ===
      ids.length,
  );
  t.same(await stopAll(workers), [0, 0, 0]);
  const secs = ticks.map((r) => (r.tick as Date).getTime() / 1000);
  t.ok(
    secs.every((s, i) => i === 0 || s - secs[i - 1]! === 1),
    'consecutive seconds, none skipped',
  );
  const runs =
    await sql`select job_id, count(*)::int as n from public.runs where job_id = any(${ids}::bigint[]) group by job_id`;
  t.equal(runs.length, ids.length, 'every tick job ran');
  t.ok(
    runs.every((r) => r.n === 1),
    'each exactly once',
  );
  const [{ jobs }] = (await sql`select count(*)::int as jobs from queue.job_history`) as any;
  t.ok(jobs >= ids.length, 'one job per tick (ticks after the snapshot may add more)');
});

t.test('graceful stop: running jobs finish, unstarted ones are released', async (t) => {
  const { sql, url } = await setup(t);
  await addJobs(
    sql,
    Array.from({ length: 6 }, (_, i) => ({ task: 'record', payload: { i, ms: 400 } })),
  );
  const w = await startWorker(t, url, 'g1', { CONCURRENCY: '2', BATCH: '6' });
  await waitFor('2 running', async () => (await sql`select count(*)::int as n from public.runs`)[0]!.n === 2);
  w.child.kill('SIGTERM');
  t.equal(await w.exited, 0, 'exit 0');
  const runs = await sql`select job_id, finished_at from public.runs`;
  t.equal(runs.length, 2, 'no new job started after SIGTERM');
  t.ok(
    runs.every((r) => r.finished_at !== null),
    'the running ones finished',
  );
  const [h] = await sql`select count(*)::int as n from queue.job_history where state = 'completed'`;
  t.equal(h!.n, 2, 'and were recorded completed');
  const left = await sql`select locked_by, attempts from queue.jobs`;
  t.equal(left.length, 4);
  t.ok(
    left.every((r) => r.locked_by === null && r.attempts === 0),
    'the rest are waiting again, attempt not counted',
  );
  t.equal((await sql`select count(*)::int as n from queue.workers`)[0]!.n, 0, 'worker unregistered');
});

t.test('SIGKILL with a batch larger than concurrency: only the jobs whose handler started are charged', async (t) => {
  const { sql, url } = await setup(t);
  const rescue = loadSql('queue', ['rescue_jobs']).rescue_jobs;
  // handlers block for a minute: two run, six wait in the worker's buffer when it dies
  await addJobs(
    sql,
    Array.from({ length: 8 }, (_, i) => ({ task: 'record', payload: { i, ms: 60_000 }, maxAttempts: 1 })),
  );
  const victim = await startWorker(t, url, 'crash', { CONCURRENCY: '2', BATCH: '6', LEASE_SECONDS: '1' });
  await waitFor('2 handlers running, their attempts recorded, 8 jobs held', async () => {
    const [r] = await sql`select
      (select count(*)::int from public.runs) as runs,
      (select count(*)::int from queue.jobs where locked_by = 'crash') as held,
      (select count(*)::int from queue.jobs j join public.runs r on r.job_id = j.id where j.attempts = 1) as charged`;
    return r!.runs === 2 && r!.held === 8 && r!.charged === 2;
  });
  victim.child.kill('SIGKILL');
  await victim.exited;
  const started = (await sql`select job_id from public.runs`).map((r) => r.job_id as string);
  await waitFor('leases expired', async () => {
    const [r] = await sql`select count(*)::int as n from queue.jobs where locked_until >= now()`;
    return r!.n === 0;
  });
  const rescued = await many(sql, rescue, [100]);
  t.equal(rescued.length, 8, 'all eight held jobs rescued');
  const failed = await sql`select id, attempts from queue.job_history where state = 'failed' order by id`;
  t.same(
    failed.map((r) => r.id),
    [...started].sort((a, b) => Number(a) - Number(b)),
    'the two that started used their only attempt',
  );
  t.ok(
    failed.every((r) => r.attempts === 1),
    'charged once',
  );
  const waiting = await sql`select id, attempts, locked_by from queue.jobs order by id`;
  t.equal(waiting.length, 6, 'the six that never started are waiting again');
  t.ok(
    waiting.every((r) => r.attempts === 0 && r.locked_by === null && !started.includes(r.id)),
    'not charged for a run that never happened',
  );
});
