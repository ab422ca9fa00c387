/**
 * `npm run bench:http`: pg-grind's HTTP adapter against a bare `node:http` + postgres.js baseline
 * running the same sql/todo statements, on a fresh migrated database seeded with todos.
 *
 * Both servers run in their own processes for the whole run and are measured back to back, one
 * endpoint and connection count at a time (which one goes first alternates), by autocannon in a
 * third process. The figure that matters is the ratio: on a shared or busy machine absolute
 * requests/s drift, but two runs seconds apart see the same weather. Target: ratio >= 0.80, 0 errors.
 *
 * Env: BENCH_HTTP_SECONDS (5) per measurement; BENCH_HTTP_CONNECTIONS (8,64);
 * BENCH_HTTP_POOLS (e.g. 4,10,20: repeat the run per pool size, for both servers; default: connect()'s
 * default); BENCH_PREPARE=false (postgres.js prepared statements off, for both servers).
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { benchServer, freshDatabase, progress, report, type Row } from './lib.js';
import type { LoadJob, LoadResult } from './http/load.js';
import { packageRoot } from '../src/lib/paths.js';
import postgres from 'postgres';

const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const connectionCounts = (process.env.BENCH_HTTP_CONNECTIONS ?? '8,64').split(',').map(Number);
const pools = process.env.BENCH_HTTP_POOLS ? process.env.BENCH_HTTP_POOLS.split(',').map(Number) : [undefined];
const seeded = 10_000;

type Endpoint = Pick<LoadJob, 'method' | 'path' | 'body'> & { name: string };
const endpoints: Endpoint[] = [
  { name: 'GET /todo/:id', method: 'GET', path: '/todo/:id' },
  { name: 'GET /todo?limit=50', method: 'GET', path: '/todo?limit=50' },
  { name: 'POST /todo', method: 'POST', path: '/todo', body: { title: 'benchmark todo', order: 7 } },
  { name: 'PATCH /todo/:id', method: 'PATCH', path: '/todo/:id', body: { completed: true, title: 'patched by the benchmark' } },
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
    proc.once('message', (m) => { proc.off('exit', onExit); resolve(m as T); });
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

async function startServer(kind: 'pg-grind' | 'bare', url: string, pool: number | undefined) {
  const env: Record<string, string> = pool ? { BENCH_POOL_MAX: String(pool) } : {};
  const proc = child('serve.ts', [kind, url], env);
  const { port } = await nextMessage<{ port: number }>(proc, `${kind} server`);
  return { kind, proc, url: `http://127.0.0.1:${port}` };
}

async function main() {
  log('building dist/ (the pg-grind server runs the compiled code)');
  const build = spawnSync(process.execPath, [path.join(packageRoot, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: packageRoot });
  if (build.status !== 0) throw new Error('build failed');

  const server = await benchServer();
  const db = await freshDatabase(server, 'http');
  const procs: ChildProcess[] = [];
  try {
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    const [range] = await sql<{ first: string; last: string }[]>`
      with seeded as (
        insert into todo.todos (title, completed, "order")
        select 'seeded todo ' || g, g % 3 = 0, g from generate_series(1, ${seeded}::int) g
        returning id
      )
      select min(id) as first, max(id) as last from seeded`;
    await sql`analyze todo.todos`;
    await sql.end();
    const ids = { firstId: Number(range!.first), lastId: Number(range!.last) };
    log(`seeded ${seeded} todos; ${seconds} s per measurement, connections ${connectionCounts.join('/')}, pool ${pools.map((p) => p ?? 'default').join('/')}`);

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
    const total = pools.length * connectionCounts.length * endpoints.length;
    let done = 0;
    for (const pool of pools) {
      const servers = [await startServer('pg-grind', db.url, pool), await startServer('bare', db.url, pool)];
      procs.push(...servers.map((s) => s.proc));
      // JIT warm-up: every endpoint on both servers, 1 s each, not reported.
      for (const s of servers) for (const e of endpoints) await measure({ ...e, ...ids, url: s.url, connections: 8, seconds: 1 });
      progress('http', done, total);
      for (const connections of connectionCounts) {
        for (const e of endpoints) {
          const sum = Object.fromEntries(servers.map((s) => [s.kind, { ms: 0, requests: 0, latencies: [] as number[], failures: 0, cpu: 0 }]));
          // 1 s slices, alternating (ABBA...), so that both see the same machine load.
          for (let slice = 0; slice < seconds; slice++) {
            for (const s of slice % 2 === 0 ? servers : [...servers].reverse()) {
              const cpu0 = await cpuOf(s.proc);
              const r = await measure({ ...e, ...ids, url: s.url, connections, seconds: 1 });
              const t = sum[s.kind]!;
              t.cpu += (await cpuOf(s.proc)) - cpu0;
              t.ms += r.ms;
              t.requests += r.requests;
              for (const l of r.latencies) t.latencies.push(l);
              t.failures += r.errors + r.timeouts + r.non2xx;
            }
          }
          const [g, b] = [sum['pg-grind']!, sum.bare!];
          const rps = (t: typeof g) => t.requests / (t.ms / 1000);
          const cpuPerRequest = (t: typeof g) => Math.round(t.cpu / t.requests);
          rows.push({
            endpoint: e.name,
            ...(pools.length > 1 ? { pool: pool ?? 'default' } : {}),
            conns: connections,
            'req/s': Math.round(rps(g)),
            'p50 ms': percentile(g.latencies, 0.5),
            'p99 ms': percentile(g.latencies, 0.99),
            'max ms': percentile(g.latencies, 1),
            'bare req/s': Math.round(rps(b)),
            'bare p50': percentile(b.latencies, 0.5),
            'bare p99': percentile(b.latencies, 0.99),
            ratio: round2(rps(g) / rps(b)),
            'cpu µs/req': cpuPerRequest(g),
            'bare cpu': cpuPerRequest(b),
            'cpu ratio': round2(cpuPerRequest(b) / cpuPerRequest(g)),
            errors: `${g.failures} / ${b.failures}`,
          });
          progress('http', ++done, total);
        }
      }
      for (const s of servers) { s.proc.disconnect(); await new Promise((resolve) => s.proc.once('exit', resolve)); }
    }
    loader.disconnect();
    report('http', server, rows, {
      seconds, seeded, pool: pools, prepare: process.env.BENCH_PREPARE !== 'false',
      command: `npm run bench:http${process.env.BENCH_HTTP_POOLS ? ` (BENCH_HTTP_POOLS=${process.env.BENCH_HTTP_POOLS})` : ''}`,
      ratio: 'pg-grind req/s / bare node:http + postgres.js req/s, measured back to back',
      errors: 'socket errors + timeouts + non-2xx responses, pg-grind / bare',
      cpu: 'server process CPU time (user + system) per request, µs; cpu ratio = bare / pg-grind',
    });
    const bad = rows.filter((r) => r.errors !== '0 / 0');
    if (bad.length) {
      log(`errors in ${bad.map((r) => `${r.endpoint} @${r.conns}`).join(', ')}`);
      process.exitCode = 1;
    }
    const low = rows.filter((r) => Number(r.ratio) < 0.8);
    if (low.length) log(`below the 0.80 target: ${low.map((r) => `${r.endpoint} @${r.conns} (${r.ratio})`).join(', ')}`);
  } finally {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill();
    await db.drop();
    await server.stop();
  }
}

await main();
