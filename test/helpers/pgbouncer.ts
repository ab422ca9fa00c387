/**
 * A throw-away PgBouncer in transaction mode in front of the test server: the pooled suite
 * (scripts/test.ts with PGGRIND_TEST_POOLER=pgbouncer) and test/saas/pooler.ts start one.
 *
 * Debian's pgbouncer 1.18: no prepared statements in transaction mode (max_prepared_statements
 * arrived in 1.21), so pools opened through it run unprepared (`connect(url, { prepare: false })`).
 * Its generated config lives in a temp dir; it listens on 127.0.0.1 only, on a port the OS picked,
 * with `auth_type = trust`: acceptable on a loopback-only test box, never elsewhere. The
 * `* = host=... port=...` fallback serves every per-test clone without naming it. The roles' passwords
 * (the embedded cluster's) go in its auth_file so that it can log in to a scram server.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface PgBouncer {
  host: string;
  port: number;
  /** Its process id (the benchmark reads its CPU time). */
  pid: number;
  /** `url` (any role and database of the server behind it) rewritten to go through the pooler. */
  through(url: string): string;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** URL of the PostgreSQL server behind it (only its host and port are used). */
  server: string;
  /** Server connections per database and role (default_pool_size). */
  poolSize: number;
  /** Roles that may log in through it, with the password it logs in to the server with (none: trust server). */
  users: Record<string, string | undefined>;
}

/** The pgbouncer binary: PGBOUNCER, else Debian's /usr/sbin/pgbouncer, else one on PATH; undefined if none. */
export function pgbouncerBinary(): string | undefined {
  if (process.env.PGBOUNCER) return process.env.PGBOUNCER;
  if (existsSync('/usr/sbin/pgbouncer')) return '/usr/sbin/pgbouncer';
  const found = spawnSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() ? found.stdout.trim() : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** PgBouncer refuses to run as root: as root it runs as the OS user postgres. */
function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  if (uid.status !== 0) throw new Error('running as root, and there is no OS user postgres to run pgbouncer as');
  return { uid: Number(uid.stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** Starts PgBouncer (transaction pooling) and resolves once it accepts connections. */
export async function startPgBouncer(opts: PgBouncerOptions): Promise<PgBouncer> {
  const bin = pgbouncerBinary();
  if (!bin) throw new Error('pgbouncer is not installed (apt-get install pgbouncer, or set PGBOUNCER)');
  const server = new URL(opts.server);
  const as = unprivileged();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pggrind-pgbouncer-'));
  const port = await freePort();
  const users = path.join(dir, 'users.txt');
  await writeFile(
    users,
    Object.entries(opts.users)
      .map(([user, password]) => `${quote(user)} ${quote(password ?? '')}\n`)
      .join(''),
    { mode: 0o600 },
  );
  const config = path.join(dir, 'pgbouncer.ini');
  await writeFile(
    config,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${users}`,
      'pool_mode = transaction',
      `default_pool_size = ${opts.poolSize}`,
      'min_pool_size = 0',
      'reserve_pool_size = 0',
      'max_client_conn = 2000',
      // Each per-test clone is its own pool; idle ones are closed soon so that dropping a clone
      // (WITH (FORCE)) finds nothing of ours, and the server's max_connections is not exhausted.
      'server_idle_timeout = 5',
      'server_lifetime = 600',
      'log_connections = 0',
      'log_disconnections = 0',
      `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  if (as) {
    await chown(dir, as.uid, as.gid);
    await chown(users, as.uid, as.gid);
    await chown(config, as.uid, as.gid);
  }
  const child = spawn(bin, [config], { stdio: ['ignore', 'ignore', 'pipe'], ...(as ?? {}) });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string) => reject(new Error(`pgbouncer did not start (${why}):\n${log}`));
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => fail(`exit ${code ?? signal}`));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      log = (log + chunk).slice(-8192);
      // Its log line once the listening socket is open.
      if (/process up: PgBouncer/.test(log)) resolve();
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    host: '127.0.0.1',
    port,
    pid: child.pid!,
    through(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // SIGINT: PgBouncer's "safe shutdown" waits for clients; SIGTERM closes at once.
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
