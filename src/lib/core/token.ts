/**
 * Compact JWS tokens (JWT, RFC 7519) signed with HMAC-SHA256 ("HS256"), with node:crypto only.
 * Verification accepts exactly HS256 (never "none", never another algorithm named by the token),
 * compares signatures in constant time and requires `exp`. Project-neutral: any pg-grind project
 * that issues bearer tokens uses it with its own secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PgGrindError } from './errors.js';

/** Registered claims this module sets and checks; projects add their own. */
export interface Claims {
  /** Subject: whom the token speaks for (a user id, as a string). */
  sub: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expires at, seconds since the epoch. */
  exp: number;
  [claim: string]: unknown;
}

/** Why a token was refused. */
export type InvalidTokenReason = 'malformed' | 'algorithm' | 'signature' | 'expired' | 'audience';

/** A token that is malformed, not ours, tampered with, or expired. */
export class InvalidToken extends PgGrindError {
  override name = 'InvalidToken';
  constructor(readonly reason: InvalidTokenReason) {
    super(`token refused: ${reason}`);
  }
}

/** At least 32 bytes: an HS256 key shorter than the hash output weakens it (RFC 7518, 3.2). */
export const MIN_SECRET_BYTES = 32;

function key(secret: string | Buffer): Buffer {
  const k = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (k.length < MIN_SECRET_BYTES) throw new RangeError(`token secret must have at least ${MIN_SECRET_BYTES} bytes`);
  return k;
}

/**
 * Throws the RangeError that signing and verifying would throw for a too short `secret`: call it
 * at start-up, or before a write that a token must follow, to fail before doing anything.
 */
export function assertSecret(secret: string | Buffer): void {
  key(secret);
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
const sign = (k: Buffer, data: string) => createHmac('sha256', k).update(data).digest();

export interface SignOptions {
  /** Lifetime in seconds. */
  ttlSeconds: number;
  /**
   * `aud` claim: who the token is for. Two services sharing a secret (say, one JWT_SECRET for the
   * whole process) then cannot accept each other's tokens, as long as each verifies its audience.
   */
  audience?: string;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

/** A signed token for `sub` with the extra claims, valid for `ttlSeconds`. */
export function signToken(
  sub: string,
  secret: string | Buffer,
  opts: SignOptions,
  extra: Record<string, unknown> = {},
): string {
  const iat = Math.floor((opts.now ?? Date.now)() / 1000);
  const aud = opts.audience === undefined ? {} : { aud: opts.audience };
  const payload = b64url(JSON.stringify({ ...extra, ...aud, sub, iat, exp: iat + opts.ttlSeconds }));
  const data = `${HEADER}.${payload}`;
  return `${data}.${sign(key(secret), data).toString('base64url')}`;
}

export interface VerifyOptions {
  /** Required `aud` claim; when given, a token for anyone else is refused ('audience'). */
  audience?: string;
  /** Tolerated clock difference, seconds. Default 0. */
  leewaySeconds?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

function json(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidToken('malformed');
  }
}

/** The claims of a valid token; throws `InvalidToken` with the reason otherwise. */
export function verifyToken(token: string, secret: string | Buffer, opts: VerifyOptions = {}): Claims {
  const k = key(secret);
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) throw new InvalidToken('malformed');
  const [h, p, s] = parts as [string, string, string];
  const header = json(h) as { alg?: unknown; typ?: unknown } | null;
  if (typeof header !== 'object' || header === null) throw new InvalidToken('malformed');
  if (header.alg !== 'HS256') throw new InvalidToken('algorithm');
  const expected = sign(k, `${h}.${p}`);
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidToken('signature');
  const claims = json(p) as Partial<Claims> | null;
  if (
    typeof claims !== 'object' ||
    claims === null ||
    typeof claims.sub !== 'string' ||
    typeof claims.exp !== 'number' ||
    typeof claims.iat !== 'number'
  ) {
    throw new InvalidToken('malformed');
  }
  const now = (opts.now ?? Date.now)() / 1000;
  if (now >= claims.exp + (opts.leewaySeconds ?? 0)) throw new InvalidToken('expired');
  if (opts.audience !== undefined && claims.aud !== opts.audience) throw new InvalidToken('audience');
  return claims as Claims;
}
