/**
 * `npm run bench:http`: pg-grind's HTTP adapter against a bare `node:http` + postgres.js baseline
 * running the same sql/todo statements (bench/http/bare.ts), on a fresh migrated database seeded
 * with todos.
 *
 * Both servers run in their own processes for the whole run; autocannon, in a third, loads them in
 * alternating 1 s slices (A B B A ...) per endpoint and connection count, so that both see the same
 * machine load. The figures that matter on a shared or busy machine are the ratios: absolute
 * requests/s drift with the neighbours, two slices a second apart see the same weather. Besides
 * requests/s and latency, each row has the CPU time per request of each server process and of the
 * PostgreSQL backends serving it (when PostgreSQL is local): those move much less with load than
 * throughput does. Target: pg-grind >= 0.80 of the baseline's requests/s, with 0 errors.
 *
 * Env: BENCH_HTTP_SECONDS (5) per measurement; BENCH_HTTP_CONNECTIONS (8,64); BENCH_HTTP_POOLS
 * (e.g. 4,10,20) and BENCH_HTTP_PREPARE (e.g. true,false) repeat the run for every combination, the
 * same settings for both servers (default: connect()'s defaults). BENCH_HTTP_POOLER=direct,pgbouncer
 * repeats it straight to PostgreSQL and through a transaction-mode PgBouncer (test/helpers/pgbouncer.ts,
 * one per server process, default_pool_size = the server's pool), unprepared through it as 1.18
 * needs (with BENCH_HTTP_PREPARE=true,false, the pgbouncer+prepared combination is skipped); its
 * process's CPU time per request is the `pooler µs/req` column.
 */
import { execFileSync, fork, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { benchServer, freshDatabase, progress, report, type Row } from './lib.js';
import type { LoadJob, LoadResult } from './http/load.js';
import { packageRoot } from '../src/lib/core/paths.js';
import postgres from 'postgres';
import { type PgBouncer, startPgBouncer } from '../test/helpers/pgbouncer.js';

const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const connectionCounts = (process.env.BENCH_HTTP_CONNECTIONS ?? '8,64').split(',').map(Number);
const list = <T>(name: string, parse: (v: string) => T): (T | undefined)[] =>
  process.env[name] ? process.env[name]!.split(',').map(parse) : [undefined];
/** Server settings to compare: every pool size x every prepare setting (default: connect()'s defaults). */
const settings = list('BENCH_HTTP_POOLS', Number).flatMap((pool) =>
  list('BENCH_HTTP_PREPARE', (v) => v !== 'false').flatMap((prepare) =>
    list('BENCH_HTTP_POOLER', (v) => (v === 'pgbouncer' ? ('pgbouncer' as const) : ('direct' as const)))
      .filter((pooler) => !(pooler === 'pgbouncer' && prepare === true))
      .map((pooler) => ({ pool, prepare: pooler === 'pgbouncer' ? false : prepare, pooler })),
  ),
);
type Settings = (typeof settings)[number];
const seeded = 10_000;
const blogArticles = 10_000;
const blogCommentsPerArticle = 10;

/** `bare: false`: pg-grind only (the baseline implements the todo statements alone). */
type Endpoint = Pick<LoadJob, 'method' | 'path' | 'body'> &
  Partial<Pick<LoadJob, 'firstId' | 'lastId'>> & { name: string; bare?: false };
const endpoints: Endpoint[] = [
  { name: 'GET /todo/:id', method: 'GET', path: '/todo/:id' },
  { name: 'GET /todo?limit=50', method: 'GET', path: '/todo?limit=50' },
  { name: 'POST /todo', method: 'POST', path: '/todo', body: { title: 'benchmark todo', order: 7 } },
  {
    name: 'PATCH /todo/:id',
    method: 'PATCH',
    path: '/todo/:id',
    body: { completed: true, title: 'patched by the benchmark' },
  },
  // blog (RealWorld), anonymous reads on 10,000 articles and 100,000 comments: each list is one statement.
  { name: 'GET /blog/api/articles', method: 'GET', path: '/blog/api/articles?limit=20', bare: false },
  { name: 'GET /blog/api/articles?tag=', method: 'GET', path: '/blog/api/articles?tag=t7&limit=20', bare: false },
  {
    name: 'GET /blog/api/articles/:slug/comments',
    method: 'GET',
    path: '/blog/api/articles/a-:id/comments',
    firstId: 1,
    lastId: blogArticles,
    bare: false,
  },
];

const log = (m: string) => console.error(`[bench:http] ${m}`);
const here = path.join(packageRoot, 'bench', 'http');

/** Forks a bench/http child under tsx, with IPC. */
function child(file: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return fork(path.join(here, file), args, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

function nextMessage<T>(proc: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${what}: process exited (${code})`));
    proc.once('exit', onExit);
    proc.once('message', (m) => {
      proc.off('exit', onExit);
      resolve(m as T);
    });
  });
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The p-quantile (0..1) of the samples, ms with two decimals (nearest rank). */
function percentile(samples: number[], p: number): number {
  if (!samples.length) return 0;
  const sorted = Float64Array.from(samples).sort();
  return round2(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!);
}

/** The server process's CPU time so far (user + system), µs. */
const cpuOf = async (proc: ChildProcess) => {
  const reply = nextMessage<{ cpu: number }>(proc, 'server');
  proc.send({});
  return (await reply).cpu;
};

/** Whether PostgreSQL's backends are processes of this machine (else their pids mean nothing here). */
let localServer = false;
const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (µs) used so far by the PostgreSQL backends serving one of the servers, read from
 * /proc/<pid>/stat: known only when PostgreSQL runs on this machine (the embedded server does).
 * 10 ms resolution per backend, so only meaningful summed over seconds of load.
 */
async function backendCpu(admin: postgres.Sql, name: string): Promise<number | undefined> {
  if (!localServer) return undefined;
  const backends = await admin<{ pid: number }[]>`select pid from pg_stat_activity where application_name = ${name}`;
  let ticks = 0;
  for (const { pid } of backends) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      return undefined;
    }
  }
  return (ticks * 1e6) / clockTicks;
}

/** application_name of a server's connections: unique to this run, as others may share the server. */
const applicationName = (kind: string) => `pg-grind-bench-${kind}-${process.pid}`;

/** CPU time (µs) of one local process so far, from /proc. */
function processCpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks;
}

async function startServer(kind: 'pg-grind' | 'bare', direct: string, { pool, prepare, pooler }: Settings) {
  let pgbouncer: PgBouncer | undefined;
  let url = direct;
  if (pooler === 'pgbouncer') {
    const u = new URL(direct);
    pgbouncer = await startPgBouncer({
      server: direct,
      poolSize: pool ?? 10,
      users: { [decodeURIComponent(u.username)]: u.password ? decodeURIComponent(u.password) : undefined },
    });
    url = pgbouncer.through(direct);
  }
  const env: Record<string, string> = {
    BENCH_APPLICATION_NAME: applicationName(kind),
    ...(pool ? { BENCH_POOL_MAX: String(pool) } : {}),
    ...(prepare !== undefined ? { BENCH_PREPARE: String(prepare) } : {}),
  };
  const proc = child('serve.ts', [kind, url], env);
  const { port } = await nextMessage<{ port: number }>(proc, `${kind} server`);
  return { kind, proc, pgbouncer, url: `http://127.0.0.1:${port}` };
}

async function main() {
  log('building dist/ (the pg-grind server runs the compiled code)');
  const build = spawnSync(process.execPath, [path.join(packageRoot, 'scripts', 'build.mjs')], {
    stdio: 'inherit',
    cwd: packageRoot,
  });
  if (build.status !== 0) throw new Error('build failed');

  const server = await benchServer();
  localServer = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(server.url).hostname);
  const db = await freshDatabase(server, 'http');
  const procs: ChildProcess[] = [];
  const bouncers: PgBouncer[] = [];
  // Seeds, then watches the servers' backends (pg_stat_activity) for the whole run.
  const admin = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    const [range] = await admin<{ first: string; last: string }[]>`
      with seeded as (
        insert into todo.todos (title, completed, "order")
        select 'seeded todo ' || g, g % 3 = 0, g from generate_series(1, ${seeded}::int) g
        returning id
      )
      select min(id) as first, max(id) as last from seeded`;
    // The blog data set, as bench/blog.ts seeds it (ids 1..N, slugs a-<id>), smaller: 10 comments an article.
    await admin.begin(async (tx) => {
      await tx`insert into blog.users (email, username, password_hash)
               select 'u' || g || '@example.com', 'u' || g, '$scrypt$bench' from generate_series(1, 1000) g`;
      await tx`insert into blog.articles (author_id, slug, title, description, body, created_at)
               select 1 + g % 1000, 'a-' || g, 'A ' || g, 'd', 'b', now() - g * interval '1 minute'
                 from generate_series(1, ${blogArticles}::int) g`;
      await tx`insert into blog.tags (name) select 't' || g from generate_series(1, 200) g`;
      await tx`insert into blog.article_tags select a.id, 't' || (1 + (a.id * 7 + k) % 200) from blog.articles a, generate_series(0, 2) k`;
      await tx`insert into blog.favorites select 1 + (a.id + k * 97) % 1000, a.id
                 from blog.articles a, generate_series(0, 4) k where a.id % 3 = 0 on conflict do nothing`;
      await tx`insert into blog.comments (article_id, author_id, body) select a.id, 1 + (a.id + k) % 1000, 'c'
                 from blog.articles a, generate_series(1, ${blogCommentsPerArticle}::int) k`;
    });
    await admin`vacuum analyze`;
    const ids = { firstId: Number(range!.first), lastId: Number(range!.last) };
    log(
      `seeded ${seeded} todos; ${seconds} s per measurement, connections ${connectionCounts.join('/')}, settings ${JSON.stringify(settings)}`,
    );

    const loader = child('load.ts', []);
    procs.push(loader);
    const measure = async (job: LoadJob): Promise<LoadResult> => {
      const reply = nextMessage<{ result?: LoadResult; error?: string }>(loader, 'load generator');
      loader.send(job);
      const { result, error } = await reply;
      if (!result) throw new Error(`load generator: ${error}`);
      return result;
    };

    const rows: Row[] = [];
    const total = settings.length * connectionCounts.length * endpoints.length;
    let done = 0;
    for (const setting of settings) {
      const servers = [await startServer('pg-grind', db.url, setting), await startServer('bare', db.url, setting)];
      procs.push(...servers.map((s) => s.proc));
      for (const s of servers) if (s.pgbouncer) bouncers.push(s.pgbouncer);
      // JIT warm-up: every endpoint on both servers, 1 s each, not reported.
      const on = (e: Endpoint) => (e.bare === false ? servers.filter((s) => s.kind === 'pg-grind') : servers);
      for (const e of endpoints)
        for (const s of on(e)) await measure({ ...ids, ...e, url: s.url, connections: 8, seconds: 1 });
      progress('http', done, total);
      for (const connections of connectionCounts) {
        for (const e of endpoints) {
          const sum = Object.fromEntries(
            servers.map((s) => [
              s.kind,
              {
                ms: 0,
                requests: 0,
                latencies: [] as number[],
                failures: 0,
                cpu: 0,
                db: 0 as number | undefined,
                pooler: 0,
              },
            ]),
          );
          // 1 s slices, alternating (ABBA...), so that both see the same machine load.
          for (let slice = 0; slice < seconds; slice++) {
            for (const s of slice % 2 === 0 ? on(e) : [...on(e)].reverse()) {
              const app = applicationName(s.kind);
              const bouncer = s.pgbouncer?.pid;
              const [cpu0, db0] = [await cpuOf(s.proc), await backendCpu(admin, app)];
              const pooler0 = bouncer ? processCpu(bouncer) : 0;
              const r = await measure({ ...ids, ...e, url: s.url, connections, seconds: 1 });
              const [cpu1, db1] = [await cpuOf(s.proc), await backendCpu(admin, app)];
              const t = sum[s.kind]!;
              if (bouncer) t.pooler += processCpu(bouncer) - pooler0;
              t.cpu += cpu1 - cpu0;
              t.db = t.db === undefined || db0 === undefined || db1 === undefined ? undefined : t.db + db1 - db0;
              t.ms += r.ms;
              t.requests += r.requests;
              for (const l of r.latencies) t.latencies.push(l);
              t.failures += r.errors + r.timeouts + r.non2xx;
            }
          }
          const [g, b] = [sum['pg-grind']!, sum.bare!];
          const rps = (t: typeof g) => t.requests / (t.ms / 1000);
          const cpuPerRequest = (t: typeof g) => Math.round(t.cpu / t.requests);
          const dbPerRequest = (t: typeof g) => (t.db === undefined ? null : Math.round(t.db / t.requests));
          const withBare = <T>(f: () => T) => (e.bare === false ? null : f());
          rows.push({
            endpoint: e.name,
            ...(process.env.BENCH_HTTP_POOLS ? { pool: setting.pool ?? 'default' } : {}),
            ...(process.env.BENCH_HTTP_PREPARE || process.env.BENCH_HTTP_POOLER
              ? { prepare: String(setting.prepare ?? true) }
              : {}),
            ...(process.env.BENCH_HTTP_POOLER ? { pooler: setting.pooler } : {}),
            conns: connections,
            'req/s': Math.round(rps(g)),
            'p50 ms': percentile(g.latencies, 0.5),
            'p99 ms': percentile(g.latencies, 0.99),
            'max ms': percentile(g.latencies, 1),
            'bare req/s': withBare(() => Math.round(rps(b))),
            'bare p50': withBare(() => percentile(b.latencies, 0.5)),
            'bare p99': withBare(() => percentile(b.latencies, 0.99)),
            ratio: withBare(() => round2(rps(g) / rps(b))),
            'cpu µs/req': cpuPerRequest(g),
            'bare cpu': withBare(() => cpuPerRequest(b)),
            'cpu ratio': withBare(() => round2(cpuPerRequest(b) / cpuPerRequest(g))),
            'db µs/req': dbPerRequest(g),
            'bare db': withBare(() => dbPerRequest(b)),
            ...(process.env.BENCH_HTTP_POOLER
              ? {
                  'pooler µs/req': setting.pooler === 'pgbouncer' ? Math.round(g.pooler / g.requests) : null,
                  'bare pooler': withBare(() =>
                    setting.pooler === 'pgbouncer' ? Math.round(b.pooler / b.requests) : null,
                  ),
                }
              : {}),
            errors: `${g.failures} / ${withBare(() => b.failures) ?? '-'}`,
          });
          progress('http', ++done, total);
        }
      }
      for (const s of servers) {
        s.proc.disconnect();
        await new Promise((resolve) => s.proc.once('exit', resolve));
        await s.pgbouncer?.stop();
      }
    }
    loader.disconnect();
    report('http', server, rows, {
      seconds,
      seeded,
      connections: connectionCounts,
      settings,
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_'))),
      ratio: 'pg-grind req/s / bare node:http + postgres.js req/s, measured back to back',
      errors: 'socket errors + timeouts + non-2xx responses, pg-grind / bare',
      cpu: 'server process CPU time (user + system) per request, µs; cpu ratio = bare / pg-grind',
      db: 'CPU time of the PostgreSQL backends serving each server, per request, µs (local server only)',
    });
    const bad = rows.filter((r) => !/^0 \/ (0|-)$/.test(String(r.errors)));
    if (bad.length) {
      log(`errors in ${bad.map((r) => `${r.endpoint} @${r.conns}`).join(', ')}`);
      process.exitCode = 1;
    }
    const low = rows.filter((r) => r.ratio !== null && Number(r.ratio) < 0.8);
    if (low.length)
      log(`below the 0.80 target: ${low.map((r) => `${r.endpoint} @${r.conns} (${r.ratio})`).join(', ')}`);
  } finally {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill();
    for (const b of bouncers) await b.stop();
    await admin.end();
    await db.drop();
    await server.stop();
  }
}

await main();
