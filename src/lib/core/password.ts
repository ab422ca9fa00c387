/**
 * Password hashing with scrypt (node:crypto), stored as a PHC-style string
 * `$scrypt$ln=15,r=8,p=1$<salt>$<key>` (base64 without padding), so that the cost parameters travel
 * with each hash: raising them later still verifies old hashes, and `needsRehash` says which to
 * upgrade at the next login. Comparison is constant-time. Project-neutral: any pg-grind project
 * with accounts uses it and keeps the string in its own table.
 *
 * Every hash and verification takes a slot of one process-wide limiter (`setHashingLimits`): scrypt
 * runs on libuv's thread pool, which file reads, DNS lookups and zlib share, and each run holds
 * 32 MiB, so a login flood must queue (boundedly) and then be refused with `Overloaded`, not
 * occupy every thread and all memory.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import os from 'node:os';
import { PgGrindError } from './errors.js';

/** Too many hashes already running and waiting: try again shortly (503 with Retry-After). */
export class Overloaded extends PgGrindError {
  override name = 'Overloaded';
  constructor(
    readonly what: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(`${what}: too many at once`);
  }
}

export interface HashingLimits {
  /** Hashes or verifications running at once. */
  concurrency: number;
  /** Further ones waiting for a slot; one more is refused with Overloaded. */
  queue: number;
}

/**
 * The cores, but at most libuv's pool size minus one (UV_THREADPOOL_SIZE, default 4), so that a
 * thread always stays for file reads and DNS; more at once than cores would only queue inside the
 * pool. 64 waiting: at the default cost (tens of ms per hash) well under two seconds of backlog.
 */
export function defaultHashingLimits(): HashingLimits {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return { concurrency: Math.max(1, Math.min(os.availableParallelism(), pool - 1)), queue: 64 };
}

let limits = defaultHashingLimits();
let active = 0;
const waiting: (() => void)[] = [];

/** Sets the process-wide hashing limits (the server: PGGRIND_HASH_CONCURRENCY, PGGRIND_HASH_QUEUE); returns the previous ones. */
export function setHashingLimits(next: Partial<HashingLimits>): HashingLimits {
  const previous = limits;
  limits = { ...limits, ...next };
  // A raised limit lets waiters in at once rather than at the next release.
  while (active < limits.concurrency && waiting.length) {
    active++;
    waiting.shift()!();
  }
  return previous;
}

/** Hashes running and waiting now. */
export function hashingLoad(): { active: number; waiting: number } {
  return { active, waiting: waiting.length };
}

/**
 * Runs `fn` in a hashing slot: at once when one is free, after waiting when the queue has room,
 * else Overloaded without running it. The slot passes straight to the next waiter when `fn` ends.
 */
export async function withHashingSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (active < limits.concurrency) active++;
  else if (waiting.length < limits.queue) await new Promise<void>((resolve) => waiting.push(resolve));
  else throw new Overloaded('password hashing');
  try {
    return await fn();
  } finally {
    const next = active <= limits.concurrency ? waiting.shift() : undefined;
    if (next) next();
    else active--;
  }
}

export interface PasswordOptions {
  /** log2 of the CPU/memory cost N. Default 15 (N = 32768: 32 MiB and tens of ms per hash). */
  log2N?: number;
  /** Block size. Default 8. */
  r?: number;
  /** Parallelism. Default 1. */
  p?: number;
}

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const defaults: Required<PasswordOptions> = { log2N: 15, r: 8, p: 1 };
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

function derive(password: string, salt: Buffer, keylen: number, o: Required<PasswordOptions>): Promise<Buffer> {
  const N = 2 ** o.log2N;
  // scrypt needs 128 * N * r bytes; Node's default cap (32 MiB) is exactly that at ln=15, r=8.
  const opts: ScryptOptions = { N, r: o.r, p: o.p, maxmem: 256 * N * o.r };
  // NFKC: the same password typed on two keyboards (composed or decomposed accents) matches.
  return withHashingSlot(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password.normalize('NFKC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );
}

/** A new PHC string for `password` with a fresh random salt; Overloaded when the limiter is full. */
export async function hashPassword(password: string, opts: PasswordOptions = {}): Promise<string> {
  const o = { ...defaults, ...opts };
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, o);
  return `$scrypt$ln=${o.log2N},r=${o.r},p=${o.p}$${b64(salt)}$${b64(key)}`;
}

function parse(stored: string) {
  const m = PHC.exec(stored);
  if (!m) return undefined;
  const [, ln, r, p, salt, key] = m as unknown as [string, string, string, string, string, string];
  const o = { log2N: Number(ln), r: Number(r), p: Number(p) };
  if (o.log2N < 1 || o.log2N > 24 || o.r < 1 || o.p < 1) return undefined;
  return { o, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

/**
 * True when `password` matches `stored`. A malformed `stored` is simply no match. The comparison
 * takes the same time wherever the first differing byte is. Overloaded when the limiter is full.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed || parsed.key.length < 16) return false;
  const key = await derive(password, parsed.salt, parsed.key.length, parsed.o);
  return timingSafeEqual(key, parsed.key);
}

/** True when `stored` was made with other parameters than `opts` (or is not a scrypt PHC string). */
export function needsRehash(stored: string, opts: PasswordOptions = {}): boolean {
  const parsed = parse(stored);
  const o = { ...defaults, ...opts };
  return !parsed || parsed.o.log2N !== o.log2N || parsed.o.r !== o.r || parsed.o.p !== o.p;
}

const dummies = new Map<string, Promise<string>>();

/**
 * Spends the time of one verification without a stored hash: call it when the account does not
 * exist, so that response time does not tell an attacker which e-mail addresses are registered.
 * Overloaded when the limiter is full, like a real verification.
 */
export async function verifyNothing(password: string, opts: PasswordOptions = {}): Promise<false> {
  const o = { ...defaults, ...opts };
  const k = `${o.log2N},${o.r},${o.p}`;
  let dummy = dummies.get(k);
  if (!dummy) {
    dummy = hashPassword('not a password', o);
    // Not remembered when it failed (Overloaded): else every later unknown login would fail too.
    dummy.catch(() => dummies.delete(k));
    dummies.set(k, dummy);
  }
  await verifyPassword(password, await dummy);
  return false;
}
