/**
 * The worker runtime of pg-grind/queue: claims jobs in batches, runs their task handlers with a
 * concurrency limit, records results in batches, renews leases, rescues jobs of dead workers, fires
 * cron schedules and prunes history. All SQL is in sql/queue/; this file only orchestrates.
 *
 * Wake-up: the claim that leaves handlers free says so (queue.workers.idle, written by claim_jobs
 * itself) and the worker LISTENs; the producer that next adds a job takes that flag and NOTIFYs it
 * (see queue.add_jobs). While workers are busy no producer pays for NOTIFY. After each change of
 * the flag to idle the worker looks once more, for a job whose producer read the flag a moment
 * before it changed; a poll every `pollInterval` ms covers anything still missed.
 */
import { randomUUID } from 'node:crypto';
import { many, type Pool, type RowOf } from '../core/db.js';
import { prune, q } from './sql.js';
import { cronTicks, parseCron, type Cron } from './cron.js';

/**
 * A claimed job; `holds_slot` is true when the job took a slot of a limited queue. `attempts`
 * counts this run once its handler started (the claim does not count it: see claim_jobs.sql).
 */
export type Job = RowOf<typeof q.claim_jobs>;

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface Helpers {
  job: Job;
  signal: AbortSignal;
  logger: Logger;
}

// biome-ignore lint/suspicious/noExplicitAny: a handler declares the payload type it expects (`(p: {to: string}) => ...`); `unknown` would refuse every such handler.
export type Task = (payload: any, helpers: Helpers) => unknown | Promise<unknown>;
export type TaskList = Record<string, Task>;

export interface WorkerOptions {
  /** A postgres.js pool (not a transaction): the worker runs many statements concurrently and LISTENs. */
  sql: Pool;
  tasks: TaskList;
  /** handlers running at once in this process (default 8) */
  concurrency?: number;
  /** jobs claimed per round trip (default 4 x concurrency); claimed jobs wait locally for a free handler */
  batchSize?: number;
  /** ms between polls when no NOTIFY arrives (default 1000) */
  pollInterval?: number;
  /** lease length in seconds, renewed by heartbeats every third of it (default 300) */
  leaseSeconds?: number;
  backoffBaseSeconds?: number;
  backoffMaxSeconds?: number;
  /** run the cron scheduler in this worker (default true) */
  schedules?: boolean;
  workerId?: string;
  logger?: Logger;
  /** LISTEN for wake-ups (default true); false: poll only */
  listen?: boolean;
  /**
   * The pool LISTEN runs on (default `sql`): one straight to PostgreSQL when `sql` goes through a
   * transaction-mode pooler, which cannot keep a LISTEN (the session is another client's next).
   */
  listenSql?: Pool;
  /** finished jobs kept this long in job_history (default 7 days) */
  historySeconds?: number;
  /** ms between maintenance runs (prune), default 60000 */
  maintenanceInterval?: number;
  /** keep completed jobs in job_history (default true); false deletes them (failed and cancelled jobs are always kept) */
  keepCompleted?: boolean;
  /** the scheduler's clock (default: the system clock); tests move it to let hours pass at once */
  now?: () => Date;
}

export interface WorkerHandle {
  workerId: string;
  /** Graceful stop: no new claims, running jobs finish (or are aborted after `timeoutMs` and released). */
  stop(timeoutMs?: number): Promise<void>;
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  /** Counts for tests and the benchmark: results the database recorded, not handlers that returned. */
  stats: { completed: number; failed: number };
}

const noop = () => {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// A results statement that fails is sent again this many times, backing off from 50 ms to 5 s
// (about 25 s in all); then its results are given up and their leases left to expire, so the jobs
// run again elsewhere rather than being reported done.
const RECORD_TRIES = 10;
const silent: Logger = { info: noop, warn: noop, error: noop };

/**
 * A running job's helpers. The AbortController is made only when the handler reads `signal`:
 * creating one per job was the largest single cost of the worker's own code in a no-op drain
 * (measured with --cpu-prof: ~2 us of ~15 us per job, plus its garbage).
 */
class Run implements Helpers {
  private ac: AbortController | undefined;
  private reason: unknown;
  private aborted = false;
  constructor(
    readonly job: Job,
    readonly logger: Logger,
  ) {}
  get signal(): AbortSignal {
    if (!this.ac) {
      this.ac = new AbortController();
      if (this.aborted) this.ac.abort(this.reason);
    }
    return this.ac.signal;
  }
  abort(reason: unknown) {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.ac?.abort(reason);
  }
}

export async function runWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  const sql = opts.sql;
  const concurrency = opts.concurrency ?? 8;
  const batchSize = opts.batchSize ?? concurrency * 4;
  const pollInterval = opts.pollInterval ?? 1000;
  const leaseSeconds = opts.leaseSeconds ?? 300;
  const baseSeconds = opts.backoffBaseSeconds ?? 1;
  const maxSeconds = opts.backoffMaxSeconds ?? 3600;
  const workerId = opts.workerId ?? `worker-${randomUUID()}`;
  const logger = opts.logger ?? silent;
  const stats = { completed: 0, failed: 0 };
  const listen = opts.listen !== false;

  // Claim the next batch while half of this one is still buffered, so handlers never wait for the
  // round trip; at most batchSize + concurrency jobs are held (leased) by this worker at once.
  const refillBelow = Math.max(concurrency, Math.floor(batchSize / 2));
  const buffer: Job[] = [];
  const running = new Map<string, Run>();
  let stopping = false;
  let claiming = false;
  let claimAgain = false;
  let idle = false;
  let pollTimer: NodeJS.Timeout | null = null;

  // completion and failure batches: one statement in flight at a time, the next batch accumulates
  type Run1 = { id: string; attempt: number };
  let toComplete: Run1[] = [];
  let toFail: (Run1 & { error: string })[] = [];
  // Runs started since the last results statement: their attempt is counted in the next one (the
  // claim no longer counts attempts, so that jobs still buffered when the worker dies are not charged).
  let toCount: Run1[] = [];
  // Results being sent (and sent again after a failure): their jobs' leases are still renewed.
  let sending: Run1[] = [];
  // Interrupted jobs (their last lease expired) start only once this run is counted.
  const countWaiters = new Map<string, (counted: boolean) => void>();
  let slotFreed = false;
  // jobs given up (lease lost, or released by stop): whatever their handler returns is not recorded
  const abandoned = new Set<string>();
  let flushing: Promise<void> | null = null;

  // Results of the jobs that finish in the same turn of the event loop go in one statement.
  let flushScheduled = false;
  function scheduleFlush() {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      void flush();
    });
  }

  function flush(): Promise<void> {
    if (flushing) return flushing;
    if (toComplete.length === 0 && toFail.length === 0 && toCount.length === 0) return Promise.resolve();
    flushing = (async () => {
      let tries = 0;
      while (toComplete.length > 0 || toFail.length > 0 || toCount.length > 0) {
        const c = toComplete;
        const f = toFail;
        const s = toCount;
        toComplete = [];
        toFail = [];
        toCount = [];
        sending = [...c, ...f];
        const freed = slotFreed;
        slotFreed = false;
        // A failed run's attempt goes with fail_jobs; completed runs and runs still going are
        // counted by complete_jobs, which the drain runs anyway: no statement of its own.
        const finished = new Set(sending.map((x) => x.id));
        const counted = s.filter((x) => !finished.has(x.id));
        const [done, failed] = await Promise.allSettled([
          c.length || counted.length
            ? many(sql, q.complete_jobs, [
                c.map((x) => x.id),
                workerId,
                opts.keepCompleted ?? true,
                c.map((x) => x.attempt),
                counted.map((x) => x.id),
                counted.map((x) => x.attempt),
              ])
            : [],
          f.length
            ? many(sql, q.fail_jobs, [
                f.map((x) => x.id),
                f.map((x) => x.error),
                workerId,
                baseSeconds,
                maxSeconds,
                f.map((x) => x.attempt),
              ])
            : [],
        ]);
        if (done.status === 'fulfilled') {
          stats.completed += done.value.length;
          for (const x of counted) settleCount(x.id, true);
        }
        if (failed.status === 'fulfilled') stats.failed += failed.value.length;
        if (done.status === 'fulfilled' && failed.status === 'fulfilled') {
          tries = 0;
          // A finished job of a limited queue freed a slot: no producer will NOTIFY for that, so
          // look for the queue's next job now.
          if (freed) void claim();
          continue;
        }
        // Not recorded, or not known to be (a connection lost just after its commit): the results
        // stay for the next try, so no job is reported done unless its completion committed. Both
        // statements can be sent again: a job already moved is skipped, attempts are set, not added.
        const err = done.status === 'rejected' ? done.reason : (failed as PromiseRejectedResult).reason;
        slotFreed ||= freed;
        if (++tries >= RECORD_TRIES) {
          logger.error(
            { err },
            'queue: could not record job results; their leases will expire and they will run again',
          );
          if (done.status === 'rejected') for (const x of counted) settleCount(x.id, false);
          tries = 0;
          continue;
        }
        logger.warn({ err, tries }, 'queue: could not record job results; trying again');
        if (done.status === 'rejected') {
          toComplete = c.concat(toComplete);
          toCount = counted.concat(toCount);
        }
        if (failed.status === 'rejected') toFail = f.concat(toFail);
        await sleep(Math.min(5000, 50 * 2 ** (tries - 1)) * (0.75 + Math.random() / 2));
      }
      sending = [];
      flushing = null;
    })();
    return flushing;
  }

  function settleCount(id: string, counted: boolean) {
    const w = countWaiters.get(id);
    if (!w) return;
    countWaiters.delete(id);
    w(counted);
  }

  function startJobs() {
    while (running.size < concurrency && buffer.length > 0 && !stopping) {
      const job = buffer.shift()!;
      job.attempts++; // this run, as the handler sees it and as complete_jobs will count it
      toCount.push({ id: job.id, attempt: job.attempts });
      scheduleFlush();
      const r = new Run(job, logger);
      running.set(job.id, r);
      void runJob(job, r);
    }
    // While flagged idle, producers NOTIFY us: claiming after every job would only add round trips
    // (and latency for the next wake-up, which would wait behind them).
    if (buffer.length < refillBelow && !idle) void claim();
  }

  async function runJob(job: Job, helpers: Run) {
    try {
      // The last run of this job lost its lease, maybe by killing its worker before that run was
      // counted: count this one first, so a job that crashes every worker still runs out of
      // attempts. Only such jobs wait; the others start at once and are counted in the next turn.
      if (job.interrupted) {
        const counted = await new Promise<boolean>((resolve) => countWaiters.set(job.id, resolve));
        if (!counted || abandoned.delete(job.id)) return;
      }
      // Own properties only: a job whose task is `constructor` or `toString` must not run what the
      // task list inherits from Object.prototype.
      const fn = Object.hasOwn(opts.tasks, job.task) ? opts.tasks[job.task] : undefined;
      if (typeof fn !== 'function') throw new Error(`no handler for task ${job.task}`);
      await fn(job.payload, helpers);
      if (abandoned.delete(job.id)) return;
      toComplete.push({ id: job.id, attempt: job.attempts });
    } catch (err) {
      if (abandoned.delete(job.id)) return;
      const msg = err instanceof Error ? err.message : String(err);
      toFail.push({ id: job.id, error: msg.slice(0, 10_000), attempt: job.attempts });
      logger.warn({ job: job.id, task: job.task, err }, 'queue: job failed');
    } finally {
      if (job.holds_slot) slotFreed = true;
      running.delete(job.id);
      scheduleFlush();
      startJobs();
    }
  }

  /** Gives jobs back as if never claimed; a job that started goes back to its attempts before this run. */
  function release(jobs: Job[], started = false) {
    return many(sql, q.release_jobs, [
      jobs.map((j) => j.id),
      workerId,
      jobs.map((j) => (started ? j.attempts - 1 : j.attempts)),
    ]);
  }

  async function register() {
    try {
      await many(sql, q.register_worker, [workerId]);
    } catch (err) {
      logger.error({ err }, 'queue: could not register the worker');
    }
  }

  // A wake-up that arrives while the claim loop is busy claims at once on another connection, for
  // free handler slots only, instead of queueing behind that loop. It leaves the idle flag alone:
  // the loop looks again after its current claim and writes the flag from counts that include these
  // jobs (and finds the job itself when this claim cannot run).
  let quickClaiming = false;
  async function quickClaim(): Promise<void> {
    claimAgain = true;
    const free = concurrency - running.size - buffer.length;
    if (quickClaiming || stopping || free <= 0) return;
    quickClaiming = true;
    try {
      const rows = await many(sql, q.claim_jobs, [workerId, free, leaseSeconds, null]);
      if (stopping) {
        if (rows.length) await release(rows);
        return;
      }
      buffer.push(...rows);
      startJobs();
    } catch (err) {
      logger.error({ err }, 'queue: claim failed');
    } finally {
      quickClaiming = false;
    }
  }

  async function claim(): Promise<void> {
    if (stopping) return;
    if (claiming) {
      // a wake-up during a claim must not be lost: that claim's snapshot may predate the new job
      claimAgain = true;
      return;
    }
    claiming = true;
    try {
      claimAgain = false;
      while (!stopping && (buffer.length < refillBelow || claimAgain)) {
        claimAgain = false;
        const held = buffer.length + running.size;
        const want = Math.max(batchSize + concurrency - held, 1);
        // idle when this claim leaves handlers free, i.e. gets fewer jobs than there are free slots
        const idleBelow = listen ? Math.max(concurrency - held, 0) : null;
        const rows = await many(sql, q.claim_jobs, [workerId, want, leaseSeconds, idleBelow]);
        if (stopping) {
          if (rows.length) await release(rows);
          break;
        }
        buffer.push(...rows);
        const wasIdle = idle;
        idle = idleBelow !== null && rows.length < idleBelow;
        startJobs();
        // The flag just turned idle: a producer that read it a moment before this commit did not
        // notify us, and its job may have committed after this claim looked. Look once more.
        if (idle && !wasIdle) claimAgain = true;
        if (rows.length < want && !claimAgain) break;
      }
    } catch (err) {
      logger.error({ err }, 'queue: claim failed');
    } finally {
      claiming = false;
    }
  }

  // polling fallback and NOTIFY wake-ups
  let listener: { unlisten(): Promise<void> } | null = null;
  if (listen) {
    listener = await (opts.listenSql ?? sql).listen('queue_jobs', (payload) => {
      if (payload === workerId)
        idle = false; // the producer took our idle flag
      else if (payload !== '') return; // addressed to another idle worker
      if (claiming) void quickClaim();
      else void claim();
    });
  }
  await register();
  pollTimer = setInterval(() => void claim(), pollInterval);

  // heartbeats: renew the leases of held jobs; a lease lost means another worker may run the job
  const heartbeat = setInterval(
    async () => {
      const ids = [...running.keys(), ...buffer.map((j) => j.id), ...sending.map((x) => x.id)];
      for (const x of toComplete) ids.push(x.id);
      for (const x of toFail) ids.push(x.id);
      try {
        await register();
        // While register held our row, a producer skipped it (SKIP LOCKED) without notifying.
        if (idle) void claim();
        if (ids.length === 0) return;
        const kept = new Set((await many(sql, q.extend_leases, [ids, workerId, leaseSeconds])).map((r) => r.id));
        for (const id of ids) {
          if (kept.has(id)) continue;
          const r = running.get(id);
          if (r) {
            abandoned.add(id);
            r.abort(new Error('lease lost'));
          }
          const i = buffer.findIndex((j) => j.id === id);
          if (i >= 0) buffer.splice(i, 1);
        }
      } catch (err) {
        logger.error({ err }, 'queue: heartbeat failed');
      }
    },
    Math.min(20_000, (leaseSeconds * 1000) / 3),
  ); // 20 s also keeps queue.workers.seen_at fresh for prune

  // rescue jobs of dead workers
  const rescue = setInterval(
    async () => {
      try {
        await many(sql, q.rescue_jobs, [1000]);
      } catch (err) {
        logger.error({ err }, 'queue: rescue failed');
      }
    },
    Math.max(500, Math.min(60_000, (leaseSeconds * 1000) / 2)),
  );

  // maintenance: whichever worker takes the advisory lock prunes history, old ticks, silent workers
  const historySeconds = opts.historySeconds ?? 7 * 86400;
  const maintenance = setInterval(async () => {
    try {
      await prune(sql, historySeconds);
    } catch (err) {
      logger.error({ err }, 'queue: prune failed');
    }
  }, opts.maintenanceInterval ?? 60_000);

  // cron: every second, compute the ticks due since the last look and fire them; the advisory lock
  // lets one scheduler work at a time, the primary key of schedule_ticks makes each tick fire once
  let cronTimer: NodeJS.Timeout | null = null;
  const catchUpMs = 60_000;
  if (opts.schedules !== false) {
    const checked = new Map<string, Date>();
    const parsed = new Map<string, Cron>();
    const clock = opts.now ?? (() => new Date());
    let busy = false;
    cronTimer = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        const now = clock();
        // Every schedule, 1,000 at a time (the statement is keyset-paged like the API's list).
        const rows: RowOf<typeof q.list_schedules>[] = [];
        for (let page: typeof rows; ; ) {
          page = await many(sql, q.list_schedules, [rows.at(-1)?.name ?? '', 1000]);
          rows.push(...page);
          if (page.length < 1000) break;
        }
        const names: string[] = [];
        const ticks: Date[] = [];
        for (const s of rows) {
          let c = parsed.get(s.cron);
          if (!c) parsed.set(s.cron, (c = parseCron(s.cron)));
          // Ticks missed while no scheduler could look (a restart, or an outage that failed every
          // look since `checked`) are caught up for one minute only: older ones would fire late in
          // a burst, and ticks older than a day are pruned from schedule_ticks, so they would fire twice.
          const since = checked.get(s.name) ?? s.created_at;
          const after = new Date(Math.max(since.getTime(), now.getTime() - catchUpMs));
          for (const t of cronTicks(c, after, now)) {
            names.push(s.name);
            ticks.push(t);
          }
        }
        if (names.length) {
          const [r] = await many(sql, q.fire_schedules, [names, ticks.map((d) => d.toISOString())]);
          if (!r!.locked) return; // another scheduler works now: retry these ticks next time
          // fired is a jsonb array (coalesced to '[]' in fire_schedules.sql), never another JSON value.
          if ((r!.fired as unknown[]).length) void claim();
        }
        for (const s of rows) checked.set(s.name, now);
      } catch (err) {
        logger.error({ err }, 'queue: scheduler failed');
      } finally {
        busy = false;
      }
    }, 1000);
  }

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  async function stop(timeoutMs = 30_000) {
    if (stopping) return done;
    stopping = true;
    clearInterval(pollTimer!);
    clearInterval(heartbeat);
    clearInterval(rescue);
    clearInterval(maintenance);
    if (cronTimer) clearInterval(cronTimer);
    try {
      await listener?.unlisten();
    } catch {
      // the connection may be gone already; nothing to undo
    }
    while (claiming) await new Promise((r) => setTimeout(r, 5));
    const unstarted = buffer.splice(0);
    if (unstarted.length) await release(unstarted);
    const deadline = Date.now() + timeoutMs;
    while (running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (running.size > 0) {
      const runs = [...running.values()];
      for (const r of runs) abandoned.add(r.job.id);
      for (const r of runs) r.abort(new Error('worker stopping'));
      await release(
        runs.map((r) => r.job),
        true,
      );
    }
    await flush();
    try {
      await many(sql, q.remove_worker, [workerId]);
    } catch {
      // prune removes silent workers after a minute anyway
    }
    resolveDone();
  }

  void claim();
  return { workerId, stop, done, stats };
}
