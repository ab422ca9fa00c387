/**
 * /queue: jobs (add, look up, retry, cancel), stats, and cron schedules over pg-grind/queue.
 * Workers are not HTTP: run them with `npm run worker -- --tasks ./tasks.js` or `runWorker()`.
 * Every route needs the admin token: adding a job runs a task handler with its payload.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Db } from '../lib/core/db.js';
import * as queue from '../lib/queue/index.js';
import { Api, type RouteGuard } from './core/api.js';
import { explainConstraint, registerProblem } from './core/problem.js';
import { sendPage } from './core/links.js';
import { AnyJson, DateTime, IdParams, nextLinkHeader, Nullable, PageQuery, StringEnum } from './core/schemas.js';

explainConstraint('queue', 'jobs_key_key', { field: 'key', message: 'another job holds this key' });
explainConstraint('queue', 'schedules_pkey', { field: 'name', message: 'a schedule with this name exists' });

const name128 = Type.String({ minLength: 1, maxLength: 128 });
const priority = Type.Integer({ minimum: -32768, maximum: 32767, description: 'smaller runs first; default 0' });
const maxAttempts = Type.Integer({ minimum: 1, maximum: 1000, description: 'default 25' });
const JobJson = Type.Object(
  {
    id: Type.Integer(),
    queue: Type.String(),
    task: Type.String(),
    payload: AnyJson(),
    priority: Type.Integer(),
    state: StringEnum(['scheduled', 'waiting', 'running', 'completed', 'failed', 'cancelled']),
    runAt: Nullable(DateTime()),
    attempts: Type.Integer(),
    maxAttempts: Type.Integer(),
    lastError: Nullable(Type.String()),
    key: Nullable(Type.String()),
    lockedBy: Nullable(Type.String()),
    lockedUntil: Nullable(DateTime()),
    createdAt: DateTime(),
    finishedAt: Nullable(DateTime()),
  },
  { additionalProperties: false },
);
const ScheduleJson = Type.Object(
  {
    name: Type.String(),
    cron: Type.String(),
    task: Type.String(),
    payload: AnyJson(),
    queue: Type.String(),
    priority: Type.Integer(),
    maxAttempts: Type.Integer(),
    createdAt: DateTime(),
  },
  { additionalProperties: false },
);

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function jobToJson(j: queue.JobInfo): Static<typeof JobJson> {
  return {
    id: Number(j.id),
    queue: j.queue,
    task: j.task,
    payload: j.payload,
    priority: j.priority,
    state: j.state,
    runAt: iso(j.run_at),
    attempts: j.attempts,
    maxAttempts: j.max_attempts,
    lastError: j.last_error,
    key: j.key,
    lockedBy: j.locked_by,
    lockedUntil: iso(j.locked_until),
    createdAt: j.created_at.toISOString(),
    finishedAt: iso(j.finished_at),
  };
}

function scheduleToJson(s: queue.Schedule): Static<typeof ScheduleJson> {
  return {
    name: s.name,
    cron: s.cron,
    task: s.task,
    payload: s.payload,
    queue: s.queue,
    priority: s.priority,
    maxAttempts: s.max_attempts,
    createdAt: s.created_at.toISOString(),
  };
}

// Library errors that are client mistakes: state conflicts 409, a bad cron expression 422.
registerProblem(queue.JobStateConflict, (err) => ({
  status: 409,
  title: 'Conflict',
  detail: err.message,
  errors: [{ in: 'path', field: 'id', message: `job is ${err.state}` }],
}));
registerProblem(queue.CronSyntaxError, (err) => ({
  status: 422,
  title: 'Not acceptable',
  detail: err.message,
  errors: [{ in: 'body', field: 'cron', message: err.message }],
}));

/** The queue's routes, each behind `admin` (the admin-token guard). */
export function queueApi(db: Db, admin: RouteGuard): Api {
  const security = { guard: admin };
  return new Api('/queue', 'queue', 'Project 11: a PostgreSQL job queue (SKIP LOCKED, leases, cron, per-queue limits)')
    .route({
      security,
      method: 'post',
      path: '/jobs',
      summary: 'Add a job',
      description:
        'With a key: replaces the waiting job holding it (keyMode "replace", default) or keeps it ("preserve").',
      body: Type.Object(
        {
          task: name128,
          payload: Type.Optional(AnyJson({ description: 'any JSON, given to the task handler' })),
          queue: Type.Optional(name128),
          runAt: Type.Optional(DateTime({ description: 'not before this time' })),
          priority: Type.Optional(priority),
          maxAttempts: Type.Optional(maxAttempts),
          key: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
          keyMode: Type.Optional(StringEnum(['replace', 'preserve'])),
        },
        { additionalProperties: false },
      ),
      responses: {
        202: {
          description: 'accepted: the job id',
          schema: Type.Object({ id: Type.Integer() }, { additionalProperties: false }),
          headers: { Location: { description: 'URL of the job' } },
        },
      },
      handler: async ({ body }, req, res) => {
        const job = await queue.addJob(db, {
          ...body,
          runAt: body.runAt === undefined ? undefined : new Date(body.runAt),
        });
        res
          .status(202)
          .location(`${req.baseUrl}/jobs/${job.id}`)
          .json({ id: Number(job.id) });
      },
    })
    .route({
      security,
      method: 'get',
      path: '/jobs/:id',
      summary: 'Get a job in any state',
      params: IdParams,
      responses: {
        200: { description: 'the job', schema: JobJson },
        404: { description: 'no such job (or pruned from history)' },
      },
      handler: async ({ params }, _req, res) => {
        res.json(jobToJson(await queue.getJob(db, params.id)));
      },
    })
    .route({
      security,
      method: 'post',
      path: '/jobs/:id/retry',
      summary: 'Run a failed, cancelled or waiting job now',
      params: IdParams,
      responses: {
        200: { description: 'the job, waiting again', schema: JobJson },
        404: { description: 'no such job' },
        409: { description: 'the job is running or completed, or its key is taken' },
      },
      handler: async ({ params }, _req, res) => {
        res.json(jobToJson(await queue.retryJob(db, params.id)));
      },
    })
    .route({
      security,
      method: 'delete',
      path: '/jobs/:id',
      summary: 'Cancel a job that is not running',
      params: IdParams,
      responses: {
        200: { description: 'the cancelled job', schema: JobJson },
        404: { description: 'no such job' },
        409: { description: 'the job is running or already finished' },
      },
      handler: async ({ params }, _req, res) => {
        res.json(jobToJson(await queue.cancelJob(db, params.id)));
      },
    })
    .route({
      security,
      method: 'get',
      path: '/stats',
      summary: 'Job counts per queue and state, and the oldest waiting age',
      query: PageQuery(
        queue.PAGE_SIZE,
        {
          windowSeconds: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 31 * 86400,
              default: 3600,
              description: 'finished jobs counted over this window',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      responses: {
        200: {
          description: 'one row per queue and state, for a page of queues by name',
          headers: nextLinkHeader,
          schema: Type.Array(
            Type.Object(
              {
                queue: Type.String(),
                state: Type.String(),
                count: Type.Integer(),
                oldestWaitingSeconds: Nullable(Type.Number()),
              },
              { additionalProperties: false },
            ),
          ),
        },
      },
      handler: async ({ query }, req, res) => {
        const page = await queue.jobStats(db, query.windowSeconds, query);
        sendPage(req, res, page, (r) => ({
          queue: r.queue,
          state: r.state,
          count: r.count,
          oldestWaitingSeconds: r.oldest_waiting_seconds,
        }));
      },
    })
    .route({
      security,
      method: 'post',
      path: '/schedules',
      summary: 'Create a cron schedule (UTC; 5 fields, or 6 with seconds first)',
      body: Type.Object(
        {
          name: name128,
          cron: Type.String({ minLength: 9, maxLength: 256 }),
          task: name128,
          payload: Type.Optional(AnyJson()),
          queue: Type.Optional(name128),
          priority: Type.Optional(priority),
          maxAttempts: Type.Optional(maxAttempts),
        },
        { additionalProperties: false },
      ),
      responses: {
        201: { description: 'created', schema: ScheduleJson },
        409: { description: 'the name is taken' },
        422: { description: 'the cron expression is invalid' },
      },
      handler: async ({ body }, req, res) => {
        const s = await queue.createSchedule(db, body);
        res
          .status(201)
          .location(`${req.baseUrl}/schedules/${encodeURIComponent(s.name)}`)
          .json(scheduleToJson(s));
      },
    })
    .route({
      security,
      method: 'get',
      path: '/schedules',
      summary: 'List cron schedules',
      query: PageQuery(queue.PAGE_SIZE, {}, { additionalProperties: false }),
      responses: {
        200: {
          description: 'schedules by name, a page at a time',
          headers: nextLinkHeader,
          schema: { type: 'array', items: ScheduleJson },
        },
      },
      handler: async ({ query }, req, res) => {
        sendPage(req, res, await queue.listSchedules(db, query), scheduleToJson);
      },
    })
    .route({
      security,
      method: 'delete',
      path: '/schedules/:name',
      summary: 'Delete a cron schedule',
      params: Type.Object({ name: name128 }),
      responses: { 204: { description: 'deleted' }, 404: { description: 'no such schedule' } },
      handler: async ({ params }, _req, res) => {
        await queue.deleteSchedule(db, params.name);
        res.status(204).end();
      },
    });
}
