// Integration tier: pg-grind/queue and its SQL on real PostgreSQL, including every concurrency claim
// with real concurrent connections (claims, limited queues, cron ticks, keys, wake-ups, prune).
import t from 'tap';
import { many, type Db } from '../../src/lib/core/db.js';
import { q } from '../../src/lib/queue/sql.js';
import { NotFound, UniqueViolation, CheckViolation } from '../../src/lib/core/errors.js';
import {
  addJob,
  addJobs,
  cancelJob,
  createSchedule,
  CronSyntaxError,
  deleteSchedule,
  findJob,
  getJob,
  JobStateConflict,
  jobStats,
  listSchedules,
  prune,
  retryJob,
  setQueueLimit,
} from '../../src/lib/queue/index.js';
import { testDb } from '../helpers/db.js';

// superSql resets between cases (TRUNCATE is not the request role's).
const { sql, superSql } = await testDb(t, { max: 12 });
const claim = (worker: string, n: number, lease = 60, db: Db = sql, idleBelow: number | null = null) =>
  many(db, q.claim_jobs, [worker, n, lease, idleBelow]);
// as the worker sends it: the completed jobs' runs counted too (first attempts here)
const complete = (worker: string, ids: string[], keep = true) =>
  many(sql, q.complete_jobs, [ids, worker, keep, ids.map(() => 1), [], []]);
// the worker counts a run when its handler starts, in its next results statement (no completions)
const countStarts = (worker: string, ids: string[], attempt = 1) =>
  many(sql, q.complete_jobs, [[], worker, true, [], ids, ids.map(() => attempt)]);
const reset = () =>
  superSql`truncate queue.jobs, queue.job_history, queue.queues, queue.workers, queue.schedules cascade`;

t.beforeEach(reset);

t.test('addJob, findJob, getJob and states', async (t) => {
  const a = await addJob(sql, { task: 'email', payload: { to: 'x' } });
  t.match(a, { task: 'email', queue: 'default', priority: 0, attempts: 0, max_attempts: 25, payload: { to: 'x' } });
  const later = await addJob(sql, {
    task: 'email',
    runAt: new Date(Date.now() + 3600_000),
    priority: -5,
    queue: 'mail',
    maxAttempts: 3,
  });
  t.equal((await getJob(sql, a.id)).state, 'waiting');
  t.equal((await getJob(sql, later.id)).state, 'scheduled');
  t.equal(await findJob(sql, 999999), undefined);
  await t.rejects(getJob(sql, 999999), NotFound);
  const [c] = await claim('w', 10);
  t.equal(c!.id, a.id, 'the scheduled job is not claimable yet');
  // the claim counts no attempt: a claimed job may wait in the worker's buffer and never start
  t.match(await getJob(sql, a.id), { state: 'running', locked_by: 'w', attempts: 0 });
  await complete('w', [a.id]);
  t.match(await getJob(sql, a.id), { state: 'completed', run_at: null, attempts: 1 });
  t.equal((await addJob(sql, { task: 'bare', payload: true })).payload, true, 'any JSON payload');
  await t.rejects(addJob(sql, { task: '' }), CheckViolation);
  await t.rejects(addJobs(sql, [{ task: 'x', maxAttempts: 0 }]), CheckViolation);
  t.same(await addJobs(sql, []), []);
});

t.test('a job added inside a transaction appears at its commit, and never after a rollback', async (t) => {
  await addJob(sql, { task: 'before' });
  let inside = '';
  await sql.begin(async (tx) => {
    inside = (await addJob(tx, { task: 'tx' })).id;
    const seen = await claim('other', 10);
    t.same(seen.map((r) => r.id).includes(inside), false, 'not claimable before commit');
    t.equal(seen.length, 1, 'the committed job is');
  });
  const [next] = await claim('w', 10);
  t.equal(next!.id, inside, 'claimable after commit');
  await sql
    .begin(async (tx) => {
      await addJob(tx, { task: 'rolled-back' });
      throw new Error('rollback');
    })
    .catch(() => {});
  t.same(await claim('w', 10), [], 'a rolled-back add leaves nothing');
});

t.test('claim order', async (t) => {
  const now = Date.now();
  const [a, b, c] = await addJobs(sql, [
    { task: 'a', priority: 1, runAt: new Date(now - 3000) },
    { task: 'b', priority: 0, runAt: new Date(now - 1000) },
    { task: 'c', priority: 0, runAt: new Date(now - 2000) },
  ]);
  t.same((await claim('w', 3)).map((r) => r.id).sort(), [a!.id, b!.id, c!.id].sort());
  await reset();
  const [x, y, z] = await addJobs(sql, [
    { task: 'a', priority: 1, runAt: new Date(now - 3000) },
    { task: 'b', priority: 0, runAt: new Date(now - 1000) },
    { task: 'c', priority: 0, runAt: new Date(now - 2000) },
  ]);
  t.same(
    [(await claim('w', 1))[0]!.id, (await claim('w', 1))[0]!.id, (await claim('w', 1))[0]!.id],
    [z!.id, y!.id, x!.id],
  );
});

t.test('8 concurrent claimers never get the same job (SKIP LOCKED, READ COMMITTED)', async (t) => {
  await addJobs(
    sql,
    Array.from({ length: 600 }, (_, i) => ({ task: 't', payload: { i } })),
  );
  const got = await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      const mine: string[] = [];
      for (;;) {
        const rows = await claim(`w${w}`, 10);
        if (rows.length === 0) return mine;
        mine.push(...rows.map((r) => r.id));
      }
    }),
  );
  const all = got.flat();
  t.equal(all.length, 600, 'every job claimed');
  t.equal(new Set(all).size, 600, 'none twice');
  t.ok(got.filter((g) => g.length > 0).length > 1, 'claims were spread over connections');
});

t.test('a limited queue never exceeds its limit under concurrent claims', async (t) => {
  await setQueueLimit(sql, 'lim', 3);
  await addJobs(
    sql,
    Array.from({ length: 50 }, () => ({ task: 't', queue: 'lim' })),
  );
  await addJobs(
    sql,
    Array.from({ length: 5 }, () => ({ task: 't' })),
  );
  const got = (await Promise.all(Array.from({ length: 8 }, (_, w) => claim(`w${w}`, 10)))).flat();
  const lim = got.filter((r) => r.queue === 'lim');
  t.equal(lim.length, 3, 'exactly the limit claimed across 8 racing claimers');
  t.equal(got.length - lim.length, 5, 'unlimited jobs unaffected');
  t.same((await claim('late', 10)).length, 0, 'no slot left');
  t.equal((await sql`select running from queue.queues where name = 'lim'`)[0]!.running, 3);
  const holder = (await sql`select locked_by from queue.jobs where id = ${lim[0]!.id}`)[0]!.locked_by as string;
  await complete(holder, [lim[0]!.id]);
  t.equal((await claim('late', 10)).length, 1, 'completing frees one slot');
  const failer = (await sql`select locked_by from queue.jobs where id = ${lim[1]!.id}`)[0]!.locked_by as string;
  await many(sql, q.fail_jobs, [[lim[1]!.id], ['boom'], failer, 1, 60, [1]]);
  await many(sql, q.release_jobs, [
    [lim[2]!.id],
    (await sql`select locked_by from queue.jobs where id = ${lim[2]!.id}`)[0]!.locked_by,
    [0],
  ]);
  t.equal(
    (await sql`select running from queue.queues where name = 'lim'`)[0]!.running,
    1,
    'fail and release give slots back',
  );
  await setQueueLimit(sql, 'lim', null);
  t.ok((await claim('free', 100)).length >= 40, 'no limit once cleared');
});

t.test('complete, fail, heartbeat and rescue respect the lease holder', async (t) => {
  const [a, b, c] = await addJobs(sql, [{ task: 'a', maxAttempts: 2 }, { task: 'b', maxAttempts: 1 }, { task: 'c' }]);
  await claim('w1', 3, 0.05);
  // all three handlers started; counting them twice (a statement sent again) counts once
  await countStarts('w1', [a!.id, b!.id, c!.id]);
  await countStarts('w1', [a!.id, b!.id, c!.id]);
  await countStarts('intruder', [a!.id], 7);
  t.same(
    (await sql`select attempts from queue.jobs order by id`).map((r) => r.attempts),
    [1, 1, 1],
    'each started run counted once, and only by its holder',
  );
  t.same(await complete('intruder', [a!.id]), [], 'another worker cannot complete it');
  t.same(
    (await many(sql, q.extend_leases, [[c!.id], 'w1', 60])).map((r) => r.id),
    [c!.id],
    'heartbeat renews',
  );
  await new Promise((r) => setTimeout(r, 100));
  const rescued = await many(sql, q.rescue_jobs, [100]);
  t.same(
    rescued.map((r) => [r.id, r.state]).sort(),
    [
      [a!.id, 'retry'],
      [b!.id, 'failed'],
    ].sort(),
    'expired leases rescued, exhausted one failed',
  );
  t.same(await complete('w1', [a!.id]), [], 'the old holder lost it');
  t.match(await getJob(sql, a!.id), { state: 'waiting', attempts: 1, last_error: 'lease expired' });
  t.match(await getJob(sql, b!.id), { state: 'failed', last_error: 'lease expired' });
  t.equal((await getJob(sql, c!.id)).state, 'running', 'the renewed lease survives');
  const [again] = await claim('w2', 10);
  t.match(again, { attempts: 1, interrupted: true }, 'one attempt so far; its last lease expired');
  const failed = await many(sql, q.fail_jobs, [[a!.id], ['nope'], 'w2', 1, 60, [2]]);
  t.same(
    failed.map((r) => r.state),
    ['failed'],
    'out of attempts',
  );
  t.match(await getJob(sql, a!.id), { state: 'failed', last_error: 'nope', attempts: 2 });
});

t.test('complete_jobs without keeping completed jobs deletes them outright', async (t) => {
  const [a] = await addJobs(sql, [{ task: 'lean' }]);
  await claim('w', 1);
  t.same(
    (await complete('w', [a!.id], false)).map((r) => r.id),
    [a!.id],
  );
  t.equal(await findJob(sql, a!.id), undefined, 'not in history');
  t.equal((await sql`select count(*)::int as n from queue.jobs`)[0]!.n, 0);
});

t.test('fail_jobs backs off exponentially with jitter', async (t) => {
  const jobs = await addJobs(
    sql,
    Array.from({ length: 20 }, () => ({ task: 'f' })),
  );
  await claim('w', 20);
  const rows = await many(sql, q.fail_jobs, [
    jobs.map((j) => j.id),
    jobs.map(() => 'err'),
    'w',
    10,
    3600,
    jobs.map(() => 1),
  ]);
  const [{ now }] = (await sql`select now() as now`) as any;
  const delays = rows.map((r) => (r.run_at!.getTime() - (now as Date).getTime()) / 1000);
  t.ok(
    delays.every((d) => d >= 7 && d <= 13),
    'attempt 1: 10 s * [0.75, 1.25)',
  );
  t.ok(new Set(delays.map((d) => d.toFixed(3))).size > 1, 'jittered');
});

t.test('job keys: replace, preserve, hand-over from a running job, last wins in a batch', async (t) => {
  const a = await addJob(sql, { task: 't', key: 'k', payload: 1 });
  const b = await addJob(sql, { task: 't', key: 'k', payload: 2, runAt: new Date(Date.now() + 60_000) });
  t.equal(b.id, a.id, 'same job');
  t.match(await getJob(sql, a.id), { payload: 2, state: 'scheduled' });
  const c = await addJob(sql, { task: 't', key: 'k', payload: 3, keyMode: 'preserve' });
  t.match(c, { id: a.id, payload: 2 }, 'preserve keeps the waiting job');
  await sql`update queue.jobs set run_at = now() where id = ${a.id}`;
  await claim('w', 1);
  const d = await addJob(sql, { task: 't', key: 'k', payload: 4 });
  t.not(d.id, a.id, 'a running job gives its key to a new job');
  t.equal((await getJob(sql, a.id)).key, null);
  const batch = await addJobs(sql, [
    { task: 't', key: 'z', payload: 1 },
    { task: 't', key: 'z', payload: 2 },
    { task: 't' },
  ]);
  t.equal(batch.length, 2);
  t.same(
    batch.filter((j) => j.key === 'z').map((j) => j.payload),
    [2],
  );
  const sameTime = await Promise.all(
    Array.from({ length: 6 }, (_, i) => addJob(sql, { task: 't', key: 'race', payload: i })),
  );
  t.equal(new Set(sameTime.map((j) => j.id)).size, 1, 'concurrent adds with one key make one job');
});

t.test('a keyed add whose waiting job is claimed mid-statement still adds its job (SQL and batch)', async (t) => {
  for (const via of ['queue.add_job', 'addJobs'] as const) {
    const waiting = await addJob(sql, { task: 't', key: 'mid', payload: 1 });
    // A worker claims the waiting job and holds its row, uncommitted: the add's first step sees the
    // job waiting (nothing to take the key from), then its upsert waits for the row lock, and finds
    // the job claimed once the lock is released.
    const worker = await sql.reserve();
    try {
      await worker`begin`;
      t.same(
        (await claim('w', 1, 60, worker as unknown as Db)).map((j) => j.id),
        [waiting.id],
      );
      const adding =
        via === 'queue.add_job'
          ? sql<
              { id: string; payload: unknown }[]
            >`select id, payload from queue.add_job('t', '2'::jsonb, key => 'mid')`.execute() // sent now, not when awaited
          : addJobs(sql, [{ task: 't', key: 'mid', payload: 2 }, { task: 'other' }]);
      await new Promise((r) => setTimeout(r, 200));
      await worker`commit`;
      const rows = await adding;
      const mine = rows.find((r) => r.payload === 2);
      t.ok(mine, `${via}: the new job is returned`);
      t.not(mine!.id, waiting.id, `${via}: it is a new job, not the claimed one`);
      t.equal((await getJob(sql, mine!.id)).key, 'mid', `${via}: the new job holds the key`);
      t.equal((await getJob(sql, waiting.id)).key, null, `${via}: the running job gave it up`);
      if (via === 'addJobs') t.equal(rows.length, 2, 'the unkeyed job of the batch is added once');
    } finally {
      worker.release();
    }
    await reset();
  }
});

t.test('cancel and retry', async (t) => {
  const [a, b, c] = await addJobs(sql, [
    { task: 'a' },
    { task: 'b' },
    { task: 'c', runAt: new Date(Date.now() + 3600_000) },
  ]);
  t.equal((await sql.begin((tx) => cancelJob(tx, a!.id))).state, 'cancelled', "inside a caller's transaction too");
  await t.rejects(cancelJob(sql, a!.id), JobStateConflict, 'already cancelled');
  await t.rejects(cancelJob(sql, 999999), NotFound);
  await claim('w', 1);
  await t.rejects(cancelJob(sql, b!.id), JobStateConflict, 'running');
  await t.rejects(retryJob(sql, b!.id), JobStateConflict, 'running');
  await complete('w', [b!.id]);
  await t.rejects(retryJob(sql, b!.id), JobStateConflict, 'completed');
  t.match(await retryJob(sql, a!.id), { state: 'waiting', attempts: 0 }, 'cancelled comes back');
  t.equal((await retryJob(sql, c!.id)).state, 'waiting', 'scheduled moved to now');
  await t.rejects(retryJob(sql, 999999), NotFound);
  const k = await addJob(sql, { task: 'k', key: 'kk' });
  await cancelJob(sql, k.id);
  await addJob(sql, { task: 'k', key: 'kk' });
  await t.rejects(retryJob(sql, k.id), UniqueViolation, 'its key was taken meanwhile');
});

t.test('stats', async (t) => {
  await addJobs(sql, [{ task: 'a' }, { task: 'a', queue: 'q2' }, { task: 'a', runAt: new Date(Date.now() + 60_000) }]);
  const [x] = await claim('w', 1);
  await complete('w', [x!.id]);
  const { items: rows, next } = await jobStats(sql);
  t.equal(next, undefined, 'two queues: one page');
  t.same(
    rows.map((r) => [r.queue, r.state, r.count]).sort(),
    [
      ['default', 'completed', 1],
      ['default', 'scheduled', 1],
      ['q2', 'waiting', 1],
    ].sort(),
  );
  t.ok(rows.find((r) => r.state === 'waiting')!.oldest_waiting_seconds! >= 0);

  // Paged by queue: each page holds every state of its queues, and no queue twice.
  await addJobs(sql, [
    { task: 'a', queue: 'q3' },
    { task: 'a', queue: 'q4' },
  ]);
  const first = await jobStats(sql, 3600, { limit: 2 });
  t.same([...new Set(first.items.map((r) => r.queue))], ['default', 'q2']);
  t.equal(first.items.filter((r) => r.queue === 'default').length, 2, 'both states of default');
  const second = await jobStats(sql, 3600, { limit: 2, after: first.next! });
  t.same([...new Set(second.items.map((r) => r.queue))], ['q3', 'q4']);
  t.equal(second.next, undefined);
});

t.test('schedules: CRUD, and concurrent schedulers fire each tick once', async (t) => {
  await t.rejects(createSchedule(sql, { name: 'bad', cron: '61 * * * *', task: 't' }), CronSyntaxError);
  const s = await createSchedule(sql, { name: 'tick', cron: '* * * * * *', task: 't', payload: { a: 1 } });
  t.match(s, { name: 'tick', queue: 'default', payload: { a: 1 } });
  await t.rejects(createSchedule(sql, { name: 'tick', cron: '* * * * *', task: 't' }), UniqueViolation);
  t.same(
    (await listSchedules(sql)).items.map((x) => x.name),
    ['tick'],
  );
  await createSchedule(sql, { name: 'tock', cron: '* * * * *', task: 't' });
  const page = await listSchedules(sql, { limit: 1 });
  t.same(
    page.items.map((x) => x.name),
    ['tick'],
  );
  t.same(
    (await listSchedules(sql, { limit: 1, after: page.next! })).items.map((x) => x.name),
    ['tock'],
    'by name',
  );
  await deleteSchedule(sql, 'tock');
  const base = Math.floor(Date.now() / 1000) * 1000;
  const ticks = Array.from({ length: 20 }, (_, i) => new Date(base - i * 1000).toISOString());
  const results = await Promise.all(
    Array.from({ length: 6 }, () =>
      sql.begin(async (tx) => {
        const [r] = await many(tx, q.fire_schedules, [ticks.map(() => 'tick'), ticks]);
        await tx`select pg_sleep(0.05)`;
        return r!;
      }),
    ),
  );
  const fired = results.flatMap((r) => r.fired);
  t.equal(fired.length, 20, 'each tick fired by exactly one scheduler');
  t.ok(
    results.some((r) => !r.locked),
    'the advisory lock turned some schedulers away',
  );
  const again = await many(sql, q.fire_schedules, [ticks.map(() => 'tick'), ticks]);
  t.same(again[0]!.fired, [], 'ticks already fired stay fired (primary key)');
  t.equal((await sql`select count(*)::int as n from queue.jobs where task = 't'`)[0]!.n, 20);
  await deleteSchedule(sql, 'tick');
  await t.rejects(deleteSchedule(sql, 'tick'), NotFound);
});

t.test('wake-up: only a producer that finds an idle worker NOTIFYs, and only that worker', async (t) => {
  const heard: string[] = [];
  const listener = await sql.listen('queue_jobs', (p) => heard.push(p));
  await many(sql, q.register_worker, ['idle-1']);
  await many(sql, q.register_worker, ['busy-1']);
  await claim('idle-1', 10, 60, sql, 8); // finds nothing: fewer than its 8 free slots, so idle
  await addJob(sql, { task: 'a' });
  await addJob(sql, { task: 'b' });
  await new Promise((r) => setTimeout(r, 200));
  t.same(heard, ['idle-1'], 'one notification, addressed to the idle worker');
  t.equal(
    (await sql`select idle from queue.workers where id = 'idle-1'`)[0]!.idle,
    false,
    'the producer took the flag',
  );
  await listener.unlisten();
});

t.test('claims write the idle flag, and only when it changes', async (t) => {
  const idle = async () => (await sql`select idle from queue.workers where id = 'w'`)[0]!.idle as boolean;
  await many(sql, q.register_worker, ['w']);
  t.equal(await idle(), false, 'a worker registers busy');
  await claim('w', 10, 60, sql, 4);
  t.equal(await idle(), true, 'nothing found for 4 free slots: idle');
  await claim('w', 10, 60, sql, null);
  t.equal(await idle(), true, 'a claim without idleBelow leaves the flag alone');
  await addJobs(
    sql,
    Array.from({ length: 5 }, () => ({ task: 'x' })),
  );
  t.equal(await idle(), false, 'the producer took it');
  await claim('w', 1, 60, sql, 4);
  t.equal(await idle(), true, 'fewer jobs than free slots: idle');
  await claim('w', 2, 60, sql, 2);
  t.equal(await idle(), false, 'as many jobs as free slots: busy');
  await sql`update queue.workers set idle = true`;
  await claim('w', 10, 60, sql, 0);
  t.equal(await idle(), false, 'no free slot: busy, even though the queue ran dry');
  await many(sql, q.register_worker, ['w']);
  t.equal(await idle(), false, 'a heartbeat never writes the flag');

  // An unchanged flag is not written, so the row stays unlocked for producers (SKIP LOCKED).
  await claim('w', 10, 60, sql, 8);
  t.equal(await idle(), true);
  const lockedElsewhere = async () => {
    const c = await sql.reserve();
    try {
      return (await c`select id from queue.workers where id = 'w' for update skip locked`).length === 0;
    } finally {
      c.release();
    }
  };
  await sql.begin(async (tx) => {
    await claim('w', 10, 60, tx, 8);
    t.equal(await lockedElsewhere(), false, 'an idle claim that changes nothing does not lock the workers row');
    await claim('w', 10, 60, tx, 0);
    t.equal(await lockedElsewhere(), true, 'a claim that changes the flag holds the row until commit');
  });
});

t.test(
  'a producer that adds while the worker turns idle is not lost: the look after the flag commits finds its job',
  async (t) => {
    const heard: string[] = [];
    const listener = await sql.listen('queue_jobs', (p) => heard.push(p));
    await many(sql, q.register_worker, ['w']);
    let job!: { id: string };
    await sql.begin(async (tx) => {
      t.same(await claim('w', 10, 60, tx, 8), [], 'the queue is empty: this claim turns the worker idle');
      // Before that commits, a producer adds a job: it skips the locked row, so it notifies nobody.
      job = await addJob(sql, { task: 'slipped' });
    });
    await new Promise((r) => setTimeout(r, 100));
    t.same(heard, [], 'no NOTIFY: the producer did not see the flag');
    t.equal(
      (await sql`select idle from queue.workers where id = 'w'`)[0]!.idle,
      true,
      'the worker is flagged idle now',
    );
    t.same(
      (await claim('w', 10, 60, sql, 8)).map((j) => j.id),
      [job.id],
      'the one more look after turning idle finds it',
    );
    await listener.unlisten();
  },
);

t.test('prune: one pruner at a time, old history deleted', async (t) => {
  const [a] = await addJobs(sql, [{ task: 'old' }, { task: 'new' }]);
  await claim('w', 2);
  await complete(
    'w',
    (await sql`select id from queue.jobs`).map((r) => r.id as string),
  );
  await sql`update queue.job_history set finished_at = now() - interval '10 days' where id = ${a!.id}`;
  const [first, second] = await Promise.all(
    [0, 1].map(() =>
      sql.begin(async (tx) => {
        const r = await prune(tx, 86400);
        await tx`select pg_sleep(0.1)`;
        return r;
      }),
    ),
  );
  t.same([first!.locked, second!.locked].sort(), [false, true], 'the advisory lock admits one');
  t.equal(first!.pruned + second!.pruned, 1);
  t.equal(await findJob(sql, a!.id), undefined);
});
