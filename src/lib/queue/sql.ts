/**
 * Every statement of pg-grind/queue, loaded once (sql/queue/*.sql), for both the library functions
 * (index.ts) and the worker runtime (worker.ts): neither imports the other, as in graphile-worker,
 * where the statements live in src/sql/ and the worker and the utilities both import them.
 * Statements that both sides run are wrapped here too (prune).
 */
import { loadSql, many, type Db, type RowOf } from '../core/db.js';

export const q = loadSql('queue', [
  'add_job',
  'add_jobs',
  'find_job',
  'cancel_job',
  'retry_job',
  'job_stats',
  'set_queue_limit',
  'create_schedule',
  'list_schedules',
  'delete_schedule',
  'prune',
  'claim_jobs',
  'complete_jobs',
  'fail_jobs',
  'release_jobs',
  'extend_leases',
  'rescue_jobs',
  'register_worker',
  'remove_worker',
  'fire_schedules',
]);

/**
 * Maintenance (workers run it every minute): deletes up to `batch` history rows older than
 * `retentionSeconds`, day-old cron ticks and silent workers. Returns whether this call held the
 * advisory lock and how many history rows it deleted.
 */
export async function prune(db: Db, retentionSeconds = 7 * 86400, batch = 10_000): Promise<RowOf<typeof q.prune>> {
  const rows = await many(db, q.prune, [retentionSeconds, batch]);
  return rows[0]!;
}
