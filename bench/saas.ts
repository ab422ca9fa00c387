/**
 * `npm run bench:saas`: the main saas list endpoints on a seeded data set (default 1,000 orgs x
 * 1,000 tasks = 1,000,000 tasks; SAAS_BENCH_ORGS, SAAS_BENCH_TASKS_PER_ORG to change), measured
 * twice per query, sequentially, on random orgs:
 *   - with RLS: as the HTTP handler runs it, `inOrg` (begin, set role + settings, role check,
 *     the list statement, commit) as a member of the org;
 *   - as the table owner (the connecting superuser, whom RLS does not apply to): begin, the same
 *     statement with the same parameters, commit.
 * "request" is the whole transaction; "statement" only the list statement inside it, so the
 * difference of the statement columns is the cost of the policies themselves.
 */
import { performance } from 'node:perf_hooks';
import type postgres from 'postgres';
import { connect, transaction, type Db } from '../src/lib/core/db.js';
import * as saas from '../src/lib/saas/index.js';
import { seed } from '../src/lib/saas/seed.js';
import { benchServer, freshDatabase, progress, report, type Row } from './lib.js';

const orgs = Number(process.env.SAAS_BENCH_ORGS ?? 1000);
const tasksPerOrg = Number(process.env.SAAS_BENCH_TASKS_PER_ORG ?? 1000);
const iterations = Number(process.env.SAAS_BENCH_ITERATIONS ?? 500);

const server = await benchServer();
const database = await freshDatabase(server, 'saas');
const pool = connect(database.url, { max: 2, applicationName: 'pg-grind-bench-saas' });
try {
  const t0 = performance.now();
  await seed(pool, { orgs, usersPerOrg: 10, teamsPerOrg: 5, projectsPerOrg: 20, tasksPerOrg }, (d, n) =>
    progress('seeding orgs', d, n),
  );
  const seedSeconds = (performance.now() - t0) / 1000;
  await pool`vacuum analyze saas.tasks`;

  // Random (org, member, project) triples to spread the reads over the whole table.
  const targets = await pool<{ org: string; member: string; project: string }[]>`
    select m.org_id::text as org, min(m.user_id)::text as member,
           (select min(p.id) from saas.projects p where p.org_id = m.org_id)::text as project
      from saas.memberships m
     where m.role = 'member'
     group by m.org_id
     order by random()
     limit 200`;
  const pick = (i: number) => targets[i % targets.length]!;

  type Target = (typeof targets)[number];
  const ops: [string, (tx: saas.TenantTx, t: Target) => Promise<unknown>][] = [
    ['GET /orgs/:id/tasks', (tx, t) => saas.listTasks(tx, t.org, { limit: 50 })],
    ['GET /orgs/:id/tasks?status=todo', (tx, t) => saas.listTasks(tx, t.org, { status: 'todo', limit: 50 })],
    ['GET /orgs/:id/tasks?assigneeId=', (tx, t) => saas.listTasks(tx, t.org, { assigneeId: t.member, limit: 50 })],
    ['GET /orgs/:id/my/tasks', (tx, t) => saas.listMyTasks(tx, t.org, { limit: 50 })],
    ['GET /orgs/:id/projects/:id/tasks', (tx, t) => saas.listProjectTasks(tx, t.org, t.project, { limit: 50 })],
    ['GET /orgs/:id/members', (tx, t) => saas.listMembers(tx, t.org, { limit: 50 })],
  ];

  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  };
  const rows: Row[] = [];
  let step = 0;
  for (const [name, op] of ops) {
    const result: Record<string, { request: number[]; statement: number[] }> = {
      rls: { request: [], statement: [] },
      owner: { request: [], statement: [] },
    };
    for (let i = -50; i < iterations; i++) {
      const t = pick(i + 50);
      for (const mode of ['rls', 'owner'] as const) {
        let stmt = 0;
        const timed = async (tx: saas.TenantTx) => {
          const s = performance.now();
          await op(tx, t);
          stmt = performance.now() - s;
        };
        const start = performance.now();
        if (mode === 'rls') await saas.inOrg(pool, t.member, t.org, (tx) => timed(tx));
        else {
          await transaction(pool, async (tx) => {
            // my/tasks reads saas.user_id; set it outside the timed statement (no role switch).
            if (name.includes('/my/'))
              await (tx as postgres.TransactionSql)`select set_config('saas.user_id', ${t.member}, true)`;
            // The baseline runs the same function outside any tenant context, on purpose: the cast
            // is what the TenantTx type makes a caller write to do that.
            await timed(tx as saas.TenantTx);
          });
        }
        if (i >= 0) {
          result[mode]!.request.push(performance.now() - start);
          result[mode]!.statement.push(stmt);
        }
      }
    }
    const r = result.rls!;
    const o = result.owner!;
    rows.push({
      endpoint: name,
      'rls p50 ms': pct(r.request, 0.5),
      'rls p99 ms': pct(r.request, 0.99),
      'owner p50 ms': pct(o.request, 0.5),
      'owner p99 ms': pct(o.request, 0.99),
      'stmt rls p50': pct(r.statement, 0.5),
      'stmt owner p50': pct(o.statement, 0.5),
      'stmt rls p99': pct(r.statement, 0.99),
      'stmt owner p99': pct(o.statement, 0.99),
    });
    progress('measuring', ++step, ops.length);
  }
  report('saas', server, rows, {
    orgs,
    tasksPerOrg,
    tasks: orgs * tasksPerOrg,
    iterations,
    seedSeconds: Number(seedSeconds.toFixed(1)),
    pageSize: 50,
  });
  console.log(
    `seeded ${(orgs * tasksPerOrg).toLocaleString('en-US')} tasks in ${seedSeconds.toFixed(1)} s; ${iterations} sequential requests per endpoint and mode`,
  );
} finally {
  await pool.end();
  await database.drop();
  await server.stop();
}
