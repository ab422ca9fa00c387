// Unit tier: the sql/queue/ statements pg-mem can run. Most of the queue cannot run here: the claim
// (SKIP LOCKED), the plpgsql add_jobs/add_job functions, advisory locks, NOTIFY, `count(*) filter`
// and even the jobs tables (a column named "key") are beyond pg-mem: test/queue/*.ts
// covers them on PostgreSQL.
import t from 'tap';
import { loadSql } from '../../src/lib/core/db.js';
import { memDb } from '../helpers/pgmem.js';

const { query } = await memDb('queue', [
  {
    pattern: /create (or replace )?function queue\./i,
    reason: 'plpgsql and SQL functions: pg-mem has no plpgsql; add_jobs is tested on PostgreSQL',
  },
  {
    pattern: /create unlogged table queue\.workers/i,
    reason: 'unlogged tables are not parsed by pg-mem; workers and wake-ups are tested on PostgreSQL',
  },
  {
    pattern: /create table queue\.(jobs|job_history)\b/i,
    reason: 'pg-mem cannot parse a column named "key"; jobs and job_history are tested on PostgreSQL only',
  },
  {
    pattern: /create (unique )?index (jobs_ready_idx|jobs_key_key|job_history_finished_at_idx)/i,
    reason: 'indexes of the tables skipped above',
  },
  { pattern: /^analyze queue\.queues/im, reason: 'ANALYZE: planner statistics, no behaviour' },
]);
const q = loadSql('queue', ['create_schedule', 'list_schedules', 'delete_schedule', 'set_queue_limit']);

t.test('schedules: create (defaults), list, delete', async (t) => {
  const [s] = await query<Record<string, unknown>>(q.create_schedule.text, [
    'b',
    '* * * * *',
    'task',
    null,
    null,
    null,
    null,
  ]);
  t.match(s, { name: 'b', cron: '* * * * *', task: 'task', queue: 'default', priority: 0, max_attempts: 25 });
  await query(q.create_schedule.text, ['a', '0 * * * *', 'task', '{"x":1}', 'q', 3, 2]);
  t.same(
    (await query<{ name: string }>(q.list_schedules.text, ['', 100])).map((r) => r.name),
    ['a', 'b'],
  );
  t.same(
    (await query<{ name: string }>(q.list_schedules.text, ['a', 100])).map((r) => r.name),
    ['b'],
    'keyset: after a',
  );
  await t.rejects(query(q.create_schedule.text, ['a', '0 * * * *', 'task', null, null, null, null]), 'duplicate name');
  t.equal((await query(q.delete_schedule.text, ['a'])).length, 1);
  t.same(await query(q.delete_schedule.text, ['a']), []);
});

t.test('set_queue_limit upserts', async (t) => {
  t.match((await query(q.set_queue_limit.text, ['s', 1]))[0], { name: 's', concurrency: 1, running: 0 });
  t.match((await query(q.set_queue_limit.text, ['s', null]))[0], { name: 's', concurrency: null });
});
