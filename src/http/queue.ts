/**
 * /queue: jobs (add, look up, retry, cancel), stats, and cron schedules over pg-grind/queue.
 * Workers are not HTTP: run them with `npm run worker -- --tasks ./tasks.js` or `runWorker()`.
 */
import type { Db } from '../lib/core/db.js';
import * as queue from '../lib/queue/index.js';
import { Api } from './core/api.js';
import { explainConstraint, registerProblem } from './core/problem.js';

explainConstraint('queue', 'jobs_key_key', { field: 'key', message: 'another job holds this key' });
explainConstraint('queue', 'schedules_pkey', { field: 'name', message: 'a schedule with this name exists' });

const name128 = { type: 'string', minLength: 1, maxLength: 128 };
const priority = { type: 'integer', minimum: -32768, maximum: 32767, description: 'smaller runs first; default 0' };
const maxAttempts = { type: 'integer', minimum: 1, maximum: 1000, description: 'default 25' };
const idParams = {
  type: 'object', required: ['id'], additionalProperties: false,
  properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
};
const jobJson = {
  type: 'object',
  required: ['id', 'queue', 'task', 'payload', 'priority', 'state', 'attempts', 'maxAttempts', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    queue: { type: 'string' },
    task: { type: 'string' },
    payload: {},
    priority: { type: 'integer' },
    state: { enum: ['scheduled', 'waiting', 'running', 'completed', 'failed', 'cancelled'] },
    runAt: { type: ['string', 'null'], format: 'date-time' },
    attempts: { type: 'integer' },
    maxAttempts: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
    key: { type: ['string', 'null'] },
    lockedBy: { type: ['string', 'null'] },
    lockedUntil: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
  },
};
const scheduleJson = {
  type: 'object',
  required: ['name', 'cron', 'task', 'payload', 'queue', 'priority', 'maxAttempts', 'createdAt'],
  properties: {
    name: { type: 'string' }, cron: { type: 'string' }, task: { type: 'string' }, payload: {},
    queue: { type: 'string' }, priority: { type: 'integer' }, maxAttempts: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
  },
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function jobToJson(j: queue.JobInfo) {
  return {
    id: Number(j.id), queue: j.queue, task: j.task, payload: j.payload, priority: j.priority, state: j.state,
    runAt: iso(j.run_at), attempts: j.attempts, maxAttempts: j.max_attempts, lastError: j.last_error, key: j.key,
    lockedBy: j.locked_by, lockedUntil: iso(j.locked_until), createdAt: j.created_at.toISOString(), finishedAt: iso(j.finished_at),
  };
}

function scheduleToJson(s: queue.Schedule) {
  return { name: s.name, cron: s.cron, task: s.task, payload: s.payload, queue: s.queue, priority: s.priority,
    maxAttempts: s.max_attempts, createdAt: s.created_at.toISOString() };
}

// Library errors that are client mistakes: state conflicts 409, a bad cron expression 422.
registerProblem(queue.JobStateConflict, (err) => ({
  status: 409, title: 'Conflict', detail: err.message, errors: [{ in: 'path', field: 'id', message: `job is ${err.state}` }],
}));
registerProblem(queue.CronSyntaxError, (err) => ({
  status: 422, title: 'Not acceptable', detail: err.message, errors: [{ in: 'body', field: 'cron', message: err.message }],
}));

interface JobBody {
  task: string; payload?: unknown; queue?: string; runAt?: string; priority?: number; maxAttempts?: number;
  key?: string; keyMode?: 'replace' | 'preserve';
}

export function queueApi(db: Db): Api {
  return new Api('/queue', 'queue', 'Project 11: a PostgreSQL job queue (SKIP LOCKED, leases, cron, per-queue limits)')
    .route<{}, {}, JobBody>({
      method: 'post', path: '/jobs', summary: 'Add a job',
      description: 'With a key: replaces the waiting job holding it (keyMode "replace", default) or keeps it ("preserve").',
      body: {
        type: 'object', required: ['task'], additionalProperties: false,
        properties: {
          task: name128, payload: { description: 'any JSON, given to the task handler' }, queue: name128,
          runAt: { type: 'string', format: 'date-time', description: 'not before this time' }, priority, maxAttempts,
          key: { type: 'string', minLength: 1, maxLength: 512 }, keyMode: { enum: ['replace', 'preserve'] },
        },
      },
      responses: { 202: { description: 'accepted: the job id', schema: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } },
        headers: { Location: { description: 'URL of the job' } } } },
      handler: async ({ body }, req, res) => {
        const job = await queue.addJob(db, { ...body, runAt: body.runAt === undefined ? undefined : new Date(body.runAt) });
        res.status(202).location(`${req.baseUrl}/jobs/${job.id}`).json({ id: Number(job.id) });
      },
    })
    .route<{ id: number }>({
      method: 'get', path: '/jobs/:id', summary: 'Get a job in any state', params: idParams,
      responses: { 200: { description: 'the job', schema: jobJson }, 404: { description: 'no such job (or pruned from history)' } },
      handler: async ({ params }, _req, res) => {
        res.json(jobToJson(await queue.getJob(db, params.id)));
      },
    })
    .route<{ id: number }>({
      method: 'post', path: '/jobs/:id/retry', summary: 'Run a failed, cancelled or waiting job now', params: idParams,
      responses: { 200: { description: 'the job, waiting again', schema: jobJson }, 404: { description: 'no such job' },
        409: { description: 'the job is running or completed, or its key is taken' } },
      handler: async ({ params }, _req, res) => {
        res.json(jobToJson(await queue.retryJob(db, params.id)));
      },
    })
    .route<{ id: number }>({
      method: 'delete', path: '/jobs/:id', summary: 'Cancel a job that is not running', params: idParams,
      responses: { 200: { description: 'the cancelled job', schema: jobJson }, 404: { description: 'no such job' },
        409: { description: 'the job is running or already finished' } },
      handler: async ({ params }, _req, res) => {
        res.json(jobToJson(await queue.cancelJob(db, params.id)));
      },
    })
    .route<{}, { windowSeconds: number }>({
      method: 'get', path: '/stats', summary: 'Job counts per queue and state, and the oldest waiting age',
      query: { type: 'object', additionalProperties: false, properties: {
        windowSeconds: { type: 'integer', minimum: 1, maximum: 31 * 86400, default: 3600, description: 'finished jobs counted over this window' } } },
      responses: { 200: { description: 'one row per queue and state', schema: { type: 'array', items: { type: 'object',
        required: ['queue', 'state', 'count', 'oldestWaitingSeconds'],
        properties: { queue: { type: 'string' }, state: { type: 'string' }, count: { type: 'integer' }, oldestWaitingSeconds: { type: ['number', 'null'] } } } } } },
      handler: async ({ query }, _req, res) => {
        const rows = await queue.jobStats(db, query.windowSeconds);
        res.json(rows.map((r) => ({ queue: r.queue, state: r.state, count: r.count, oldestWaitingSeconds: r.oldest_waiting_seconds })));
      },
    })
    .route<{}, {}, queue.NewSchedule>({
      method: 'post', path: '/schedules', summary: 'Create a cron schedule (UTC; 5 fields, or 6 with seconds first)',
      body: {
        type: 'object', required: ['name', 'cron', 'task'], additionalProperties: false,
        properties: { name: name128, cron: { type: 'string', minLength: 9, maxLength: 256 }, task: name128, payload: {}, queue: name128, priority, maxAttempts },
      },
      responses: { 201: { description: 'created', schema: scheduleJson }, 409: { description: 'the name is taken' }, 422: { description: 'the cron expression is invalid' } },
      handler: async ({ body }, req, res) => {
        const s = await queue.createSchedule(db, body);
        res.status(201).location(`${req.baseUrl}/schedules/${encodeURIComponent(s.name)}`).json(scheduleToJson(s));
      },
    })
    .route({
      method: 'get', path: '/schedules', summary: 'List cron schedules',
      responses: { 200: { description: 'every schedule, by name', schema: { type: 'array', items: scheduleJson } } },
      handler: async (_input, _req, res) => {
        res.json((await queue.listSchedules(db)).map(scheduleToJson));
      },
    })
    .route<{ name: string }>({
      method: 'delete', path: '/schedules/:name', summary: 'Delete a cron schedule',
      params: { type: 'object', required: ['name'], properties: { name: name128 } },
      responses: { 204: { description: 'deleted' }, 404: { description: 'no such schedule' } },
      handler: async ({ params }, _req, res) => {
        await queue.deleteSchedule(db, params.name);
        res.status(204).end();
      },
    });
}
