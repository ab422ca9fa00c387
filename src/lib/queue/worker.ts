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

/** A claimed job; `holds_slot` is true when the job took a slot of a limited queue. */
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
  /** Counts for tests and the benchmark. */
  stats: { completed: number; failed: number };
}

const noop = () => {};
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
  let toComplete: string[] = [];
  let toFail: { id: string; error: string }[] = [];
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
    if (toComplete.length === 0 && toFail.length === 0) return Promise.resolve();
    flushing = (async () => {
      while (toComplete.length > 0 || toFail.length > 0) {
        const c = toComplete;
        const f = toFail;
        toComplete = [];
        toFail = [];
        try {
          const freed = slotFreed;
          slotFreed = false;
          await Promise.all([
            c.length ? many(sql, q.complete_jobs, [c, workerId, opts.keepCompleted ?? true]) : null,
            f.length
              ? many(sql, q.fail_jobs, [f.map((x) => x.id), f.map((x) => x.error), workerId, baseSeconds, maxSeconds])
              : null,
          ]);
          // A finished job of a limited queue freed a slot: no producer will NOTIFY for that, so
          // look for the queue's next job now.
          if (freed) void claim();
        } catch (err) {
          // leases keep the jobs safe: they will run again after expiry
          logger.error({ err }, 'queue: could not record job results');
        }
      }
      flushing = null;
    })();
    return flushing;
  }

  function startJobs() {
    while (running.size < concurrency && buffer.length > 0 && !stopping) {
      const job = buffer.shift()!;
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
      // Own properties only: a job whose task is `constructor` or `toString` must not run what the
      // task list inherits from Object.prototype.
      const fn = Object.hasOwn(opts.tasks, job.task) ? opts.tasks[job.task] : undefined;
      if (typeof fn !== 'function') throw new Error(`no handler for task ${job.task}`);
      await fn(job.payload, helpers);
      if (abandoned.delete(job.id)) return;
      toComplete.push(job.id);
      stats.completed++;
    } catch (err) {
      if (abandoned.delete(job.id)) return;
      stats.failed++;
      const msg = err instanceof Error ? err.message : String(err);
      toFail.push({ id: job.id, error: msg.slice(0, 10_000) });
      logger.warn({ job: job.id, task: job.task, err }, 'queue: job failed');
    } finally {
      if (job.holds_slot) slotFreed = true;
      running.delete(job.id);
      scheduleFlush();
      startJobs();
    }
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
        if (rows.length) await many(sql, q.release_jobs, [rows.map((r) => r.id), workerId]);
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
          if (rows.length) await many(sql, q.release_jobs, [rows.map((r) => r.id), workerId]);
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
    listener = await sql.listen('queue_jobs', (payload) => {
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
      const ids = [...running.keys(), ...buffer.map((j) => j.id)];
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
        const rows = await many(sql, q.list_schedules);
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
    const unstarted = buffer.splice(0).map((j) => j.id);
    if (unstarted.length) await many(sql, q.release_jobs, [unstarted, workerId]);
    const deadline = Date.now() + timeoutMs;
    while (running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (running.size > 0) {
      const ids = [...running.keys()];
      for (const id of ids) abandoned.add(id);
      for (const r of running.values()) r.abort(new Error('worker stopping'));
      await many(sql, q.release_jobs, [ids, workerId]);
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
