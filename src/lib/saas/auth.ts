/**
 * Password hashing and bearer tokens for the saas project, on node:crypto only.
 *
 * Passwords: scrypt (N=2^15, r=8, p=1, 16-byte salt, 32-byte key), stored as
 * `scrypt$N$r$p$salt$hash` (base64url) so parameters can be raised later without breaking old
 * hashes. Tokens: compact JWS with HS256 (a JWT any library can read), claims `sub` (user id as a
 * string) and `exp`. Minimal on purpose: the lead unifies this with the project-neutral helpers.
 */
import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

const N = 1 << 15;
const R = 8;
const P = 1;
const KEYLEN = 32;
// 128 * N * r bytes = 32 MiB for N=2^15; node's default maxmem (32 MiB) is exactly at the limit.
const MAXMEM = 64 * 1024 * 1024;

/** A self-describing scrypt hash of `password`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFC'), salt, KEYLEN, { N, r: R, p: P, maxmem: MAXMEM });
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when `password` matches `stored`; false for a malformed hash. Constant time in the key. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, ns, rs, ps, salt64, key64, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || salt64 === undefined || key64 === undefined || rest.length) return false;
  const [n, r, p] = [Number(ns), Number(rs), Number(ps)];
  const salt = Buffer.from(salt64, 'base64url');
  const expected = Buffer.from(key64, 'base64url');
  if (!n || !r || !p || n > 1 << 20 || expected.length === 0) return false;
  const key = await scrypt(password.normalize('NFC'), salt, expected.length, { N: n, r, p, maxmem: MAXMEM });
  return timingSafeEqual(key, expected);
}

/** A hash of a random password: verified against when the email is unknown, so login takes as
 * long for a missing account as for a wrong password. */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  return dummy;
}

export interface TokenClaims {
  sub: string;
  exp: number;
  iat: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(input: string, secret: string | Buffer) {
  return createHmac('sha256', secret).update(input).digest();
}

/** An HS256 JWT for `userId`, valid `ttlSeconds`. */
export function signToken(userId: string | number | bigint, secret: string | Buffer, ttlSeconds = 3600, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  const claims: TokenClaims = { sub: String(userId), iat, exp: iat + ttlSeconds };
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${sign(body, secret).toString('base64url')}`;
}

/** The claims of a valid, unexpired token signed with `secret`, or undefined. */
export function verifyToken(token: string, secret: string | Buffer, now = Date.now()): TokenClaims | undefined {
  const [header, payload, signature, ...rest] = token.split('.');
  if (header !== HEADER || payload === undefined || signature === undefined || rest.length) return undefined;
  const given = Buffer.from(signature, 'base64url');
  const expected = sign(`${header}.${payload}`, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof claims !== 'object' || claims === null) return undefined;
  const { sub, exp, iat } = claims as Record<string, unknown>;
  if (typeof sub !== 'string' || !/^[1-9][0-9]{0,18}$/.test(sub)) return undefined;
  if (typeof exp !== 'number' || typeof iat !== 'number' || exp * 1000 <= now) return undefined;
  return { sub, exp, iat };
}
