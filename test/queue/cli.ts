// The worker CLI (`npm run worker -- --tasks ...`, i.e. dist/cli/worker.js) as a real process.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { addJob } from '../../src/lib/queue/index.js';
import { packageRoot } from '../../src/lib/core/paths.js';
import { testDb } from '../helpers/db.js';

t.setTimeout(120_000);

const cli = path.join(packageRoot, 'dist', 'cli', 'worker.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'queue-cli-'));
const tasks = path.join(dir, 'tasks.mjs');
writeFileSync(
  tasks,
  `export async function hello(payload, { job }) {
  if (payload.fail) throw new Error('asked to fail');
  console.log(JSON.stringify({ ran: job.id }));
}\nexport const notATask = 42;\n`,
);

// The child runs compiled dist/ JS: its coverage is not collected (NODE_V8_COVERAGE removed), since
// tap would count dist/ as a second, mostly unrun copy of src/.
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_V8_COVERAGE')) as Record<
  string,
  string
>;
const run = (args: string[], env: Record<string, string> = {}) => {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...baseEnv, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
};

t.test('runs jobs from a tasks module, stops on SIGTERM', async (t) => {
  const { sql, url } = await testDb(t);
  const ok = await addJob(sql, { task: 'hello' });
  const bad = await addJob(sql, { task: 'hello', payload: { fail: true }, maxAttempts: 1 });
  const w = run(['--tasks', tasks, '--concurrency', '2', '--poll-interval', '100', '--no-schedules'], {
    DATABASE_URL: url,
  });
  t.teardown(() => {
    w.child.kill('SIGKILL');
  });
  const deadline = Date.now() + 60_000;
  while ((await sql`select count(*)::int as n from queue.job_history`)[0]!.n < 2) {
    if (Date.now() > deadline || w.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const hist = await sql`select id, state from queue.job_history order by id`;
  t.same(
    hist.map((r) => [r.id, r.state]),
    [
      [ok.id, 'completed'],
      [bad.id, 'failed'],
    ],
  );
  t.match(w.output(), `"ran":"${ok.id}"`);
  w.child.kill('SIGTERM');
  t.equal(await w.exited, 0);
});

t.test('usage errors exit 2', async (t) => {
  t.equal(await run([]).exited, 2, 'no --tasks');
  t.equal(await run(['--tasks', tasks, '--concurrency', '0']).exited, 2, 'bad number');
  t.equal(await run(['--tasks', tasks, '--lease-seconds', 'x']).exited, 2, 'not a number');
  const empty = path.join(dir, 'empty.mjs');
  writeFileSync(empty, 'export const x = 1;\n');
  t.equal(await run(['--tasks', empty]).exited, 2, 'no task functions');
});

t.test('--help prints the usage and exits 0; an unknown option is a usage error', async (t) => {
  for (const flag of ['--help', '-h']) {
    const r = run([flag]);
    t.equal(await r.exited, 0, flag);
    t.match(r.output(), /^usage: npm run worker -- --tasks /, `${flag} prints the usage`);
  }
  const bad = run(['--tasks', tasks, '--no-such-option']);
  t.equal(await bad.exited, 2, 'unknown option');
  t.match(bad.output(), /--no-such-option[\s\S]*usage: npm run worker/);
  t.notMatch(bad.output(), /\n\s+at /, 'no stack trace');
});
