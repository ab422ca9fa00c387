/**
 * pg-grind/queue: a PostgreSQL job queue. Jobs are rows of `queue.jobs` claimed in batches with
 * FOR UPDATE SKIP LOCKED under leases; finished jobs move to `queue.job_history` in the statement
 * that finishes them. Every function takes `db` (pool or transaction) first: `addJob(tx, ...)`
 * inside your transaction makes the job visible exactly when your own writes commit.
 * The SQL is in sql/queue/; the worker runtime is `runWorker` (./worker.ts).
 *
 * Isolation: every statement runs in READ COMMITTED, on purpose. Claims rely on row locks with
 * SKIP LOCKED plus the re-check READ COMMITTED does on the latest row version after a lock
 * (SERIALIZABLE would make concurrent claimers abort each other); per-queue limits lock the queue
 * row; exactly-once cron ticks rest on a primary key. test/queue/*.ts test each claim.
 */
import { many, maybeOne, transaction, type Db, type ParamsOf, type RowOf } from '../core/db.js';
import { found, PgGrindError } from '../core/errors.js';
import { encodeCursor } from '../core/cursor.js';
import { decodeTextCursor, keysetArgs, keysetPage, type Page, type PageOptions, type PageSize } from '../core/page.js';
import { parseCron } from './cron.js';
import { q } from './sql.js';

export { runWorker } from './worker.js';
export { prune } from './sql.js';
export type { Helpers, Job, Logger, Task, TaskList, WorkerHandle, WorkerOptions } from './worker.js';
export { CronSyntaxError, cronTicks, parseCron } from './cron.js';

export type JobId = string | number;
export type JobState = 'scheduled' | 'waiting' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface NewJob {
  task: string;
  payload?: unknown;
  /** Named queue, default 'default'. */
  queue?: string;
  /** Not before this time (default now). */
  runAt?: Date;
  /** Smaller runs first; default 0. */
  priority?: number;
  /** Attempts before the job is failed for good; default 25. */
  maxAttempts?: number;
  /** Unique key: adding a job with the key of a waiting job replaces it (or keeps it, keyMode 'preserve'). */
  key?: string;
  keyMode?: 'replace' | 'preserve';
}

/** What adding returns: the job as stored after the add (for a key: the replaced or kept job). */
export type AddedJob = RowOf<typeof q.add_job>;

/**
 * A job wherever it is (waiting, running or in history). `state` is text computed by find_job.sql
 * (a case over the row, or job_history.state, which a CHECK keeps to these names): the generated
 * type says string, JobState is the narrower truth.
 */
export type JobInfo = Omit<RowOf<typeof q.find_job>, 'state'> & { state: JobState };

export type Schedule = RowOf<typeof q.list_schedules>;

export interface NewSchedule {
  name: string;
  /** 5 fields (minute hour day month weekday) or 6 with seconds first; UTC. */
  cron: string;
  task: string;
  payload?: unknown;
  queue?: string;
  priority?: number;
  maxAttempts?: number;
}

/** oldest_waiting_seconds is set on 'waiting' rows: seconds since the oldest ready job became runnable. */
export type StatsRow = Omit<RowOf<typeof q.job_stats>, 'state'> & { state: JobState };

/** The job is in a state that refuses the operation (e.g. cancelling a running job). */
export class JobStateConflict extends PgGrindError {
  override name = 'JobStateConflict';
  constructor(
    readonly state: JobState,
    readonly operation: string,
  ) {
    super(`job is ${state}: cannot ${operation} it`);
  }
}

/** Payloads travel as JSON text: any JSON value, including a bare boolean or string. */
function json(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}

function spec(job: NewJob) {
  return {
    task: job.task,
    ...(job.payload !== undefined ? { payload: job.payload } : {}),
    ...(job.queue !== undefined ? { queue: job.queue } : {}),
    ...(job.runAt !== undefined ? { runAt: job.runAt.toISOString() } : {}),
    ...(job.priority !== undefined ? { priority: job.priority } : {}),
    ...(job.maxAttempts !== undefined ? { maxAttempts: job.maxAttempts } : {}),
    ...(job.key !== undefined ? { key: job.key } : {}),
    ...(job.keyMode !== undefined ? { keyMode: job.keyMode } : {}),
  };
}

/** Adds one job (through the SQL function queue.add_job); returns it. Throws CheckViolation on bad fields. */
export async function addJob(db: Db, job: NewJob): Promise<AddedJob> {
  const params: ParamsOf<typeof q.add_job> = [
    job.task,
    json(job.payload),
    job.queue ?? null,
    job.runAt ?? null,
    job.priority ?? null,
    job.maxAttempts ?? null,
    job.key ?? null,
    job.keyMode ?? null,
  ];
  return (await many(db, q.add_job, params))[0]!;
}

/** Adds many jobs in one statement; returns them (one row per distinct key: the last job given with it). Throws CheckViolation. */
export async function addJobs(db: Db, jobs: readonly NewJob[]): Promise<AddedJob[]> {
  if (jobs.length === 0) return [];
  return many(db, q.add_jobs, [jobs.map(spec)]);
}

/** The job in any state, or undefined. */
export async function findJob(db: Db, id: JobId): Promise<JobInfo | undefined> {
  return (await maybeOne(db, q.find_job, [id])) as JobInfo | undefined;
}

/** The job in any state; throws NotFound. */
export async function getJob(db: Db, id: JobId): Promise<JobInfo> {
  return found(await findJob(db, id), 'job');
}

/** Cancels a job that is not running (moves it to history as cancelled); returns it. Throws NotFound, JobStateConflict. */
export function cancelJob(db: Db, id: JobId): Promise<JobInfo> {
  // one transaction: the state reported is the one read right after the cancel, by the same client
  return transaction(db, async (tx) => {
    const done = await maybeOne(tx, q.cancel_job, [id]);
    const job = await getJob(tx, id);
    if (!done) throw new JobStateConflict(job.state, 'cancel');
    return job;
  });
}

/**
 * Runs a job again now: a failed or cancelled job returns from history with attempts reset; a
 * waiting or scheduled one is moved to now. Returns the job. Throws NotFound, JobStateConflict
 * (running or completed), UniqueViolation (its key is taken by a newer job).
 */
export function retryJob(db: Db, id: JobId): Promise<JobInfo> {
  return transaction(db, async (tx) => {
    const done = await maybeOne(tx, q.retry_job, [id]);
    const job = await getJob(tx, id);
    if (!done) throw new JobStateConflict(job.state, 'retry');
    return job;
  });
}

export type { Page, PageOptions } from '../core/page.js';
/** Pages of the queue's lists (schedules; queues in stats): 100 by default, at most 1,000. */
export const PAGE_SIZE: PageSize = { default: 100, max: 1000 };

/**
 * Counts per queue and state (finished jobs: those of the last `windowSeconds`, default 1 hour),
 * for a page of queues by name: `opts.limit` queues, each with all its states.
 */
export async function jobStats(db: Db, windowSeconds = 3600, opts: PageOptions = {}): Promise<Page<StatsRow>> {
  const { limit, after } = keysetArgs(opts, PAGE_SIZE, '', decodeTextCursor);
  const rows = (await many(db, q.job_stats, [windowSeconds, after, limit + 1])) as StatsRow[];
  // One queue more than asked tells whether another page follows; its rows are not sent.
  const queues = [...new Set(rows.map((r) => r.queue))];
  if (queues.length <= limit) return { items: rows };
  const last = queues[limit - 1]!;
  return { items: rows.filter((r) => r.queue <= last), next: encodeCursor([last]) };
}

/**
 * At most `concurrency` jobs of `queue` run at once across all workers (1: one at a time, in
 * priority then run_at order); null removes the limit. Returns the queue settings.
 */
export async function setQueueLimit(db: Db, queue: string, concurrency: number | null) {
  const rows = await many(db, q.set_queue_limit, [queue, concurrency]);
  return rows[0]!;
}

/** Creates a cron schedule; returns it. Throws CronSyntaxError, UniqueViolation (schedules_pkey), CheckViolation. */
export async function createSchedule(db: Db, sch: NewSchedule): Promise<Schedule> {
  parseCron(sch.cron);
  const rows = await many(db, q.create_schedule, [
    sch.name,
    sch.cron.trim(),
    sch.task,
    json(sch.payload),
    sch.queue ?? null,
    sch.priority ?? null,
    sch.maxAttempts ?? null,
  ]);
  return rows[0]!;
}

/** Schedules by name, a keyset page at a time. */
export function listSchedules(db: Db, opts: PageOptions = {}): Promise<Page<Schedule>> {
  return keysetPage(
    opts,
    PAGE_SIZE,
    '',
    (s) => s.name,
    (after, take) => many(db, q.list_schedules, [after, take]),
    decodeTextCursor,
  );
}

/** Deletes a schedule; throws NotFound. */
export async function deleteSchedule(db: Db, name: string): Promise<void> {
  found(await maybeOne(db, q.delete_schedule, [name]), 'schedule');
}
