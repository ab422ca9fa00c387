// Behind a transaction-mode PgBouncer: the server (`npm start` as a process) with DATABASE_URL on the
// pooler and DATABASE_DIRECT_URL beside it, and the queue worker whose claims go through the pooler
// while its LISTEN goes around it. PgBouncer 1.18: statements unprepared.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { connect } from '../../src/lib/core/db.js';
import { packageRoot } from '../../src/lib/core/paths.js';
import { addJob, runWorker } from '../../src/lib/queue/index.js';
import { rolePasswords, serverUrl, testDb } from '../helpers/db.js';
import { pgbouncerBinary, startPgBouncer } from '../helpers/pgbouncer.js';

t.setTimeout(120_000);

if (!pgbouncerBinary() && !process.env.CI) {
  t.plan(0, 'pgbouncer is not installed (apt-get install pgbouncer): CI installs it and runs this test');
} else {
  const { directUrl, superSql, name } = await testDb(t);
  const pgbouncer = await startPgBouncer({
    server: serverUrl(),
    poolSize: 2,
    users: { pggrind_app: rolePasswords().request },
  });
  t.teardown(() => pgbouncer.stop());
  const pooledUrl = pgbouncer.through(directUrl);

  t.test('the queue worker claims through the pooler and is woken by a LISTEN around it', async (t) => {
    const sql = connect(pooledUrl, { max: 6, prepare: false, applicationName: 'pg-grind-test-pooled' });
    const listenSql = connect(directUrl, { max: 1, applicationName: 'pg-grind-test-listen' });
    t.teardown(async () => {
      await sql.end({ timeout: 1 });
      await listenSql.end({ timeout: 1 });
    });
    let ran!: (payload: unknown) => void;
    const done = new Promise<unknown>((resolve) => {
      ran = resolve;
    });
    // Polling once an hour: only the NOTIFY can wake it within the test.
    const worker = await runWorker({
      sql,
      listenSql,
      tasks: { ping: (payload) => ran(payload) },
      pollInterval: 3_600_000,
      schedules: false,
    });
    t.teardown(() => worker.stop(1000));
    const [listening] = await superSql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
       where datname = ${name} and application_name = 'pg-grind-test-listen' and query ilike 'listen%'`;
    t.equal(listening!.n, 1, 'the LISTEN session is the direct one');
    await addJob(sql, { task: 'ping', payload: { n: 1 } });
    t.same(await done, { n: 1 }, 'the job ran, woken by NOTIFY');
  });

  t.test('npm start with DATABASE_URL on the pooler and DATABASE_DIRECT_URL serves requests', async (t) => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const child = spawn(process.execPath, [path.join(packageRoot, 'dist', 'http', 'core', 'server.js')], {
      env: {
        ...process.env,
        DATABASE_URL: pooledUrl,
        DATABASE_DIRECT_URL: directUrl,
        MIGRATION_DATABASE_URL: '',
        ADMIN_TOKEN: 'x'.repeat(32),
        LOG_LEVEL: 'info',
        PORT: String(port),
        NODE_OPTIONS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    await new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        out += chunk.toString();
        if (/pg-grind listening/.test(out)) resolve();
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${out}`)));
    });
    t.match(out, /cannot be sent through it/, 'it says where the session limits must be set instead');
    const created = await fetch(`${url}/todo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'through the pooler' }),
    });
    t.equal(created.status, 201);
    const todo = (await created.json()) as { url: string };
    // Several requests at once on the pooler's two server connections.
    const reads = await Promise.all(Array.from({ length: 10 }, () => fetch(todo.url)));
    t.same(
      reads.map((r) => r.status),
      Array(10).fill(200),
    );
    child.kill('SIGTERM');
    t.equal(await exited, 0, 'stops cleanly');
  });
}
