/**
 * The admin token: one bearer secret for the APIs that have no users of their own (the queue, a
 * booking desk). `ADMIN_TOKEN` when set; else `<data dir>/admin-token`, created on first use with
 * mode 0600 and reported once so the operator can copy it. Project-neutral, no HTTP.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dataRoot } from './paths.js';

/** Shorter tokens are refused: a guessable admin token is no protection. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

export interface AdminToken {
  token: string;
  /** Where it came from: the environment, an existing file, or a file created by this call. */
  source: 'env' | 'file' | 'generated';
  /** The file, for `file` and `generated`. */
  file?: string;
}

function checked(token: string, where: string): string {
  if (token.length < MIN_ADMIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new Error(`${where} must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters without spaces`);
  }
  return token;
}

/**
 * The admin token: `ADMIN_TOKEN`, else the one in `<dataDir>/admin-token`, else a new random one
 * written there (0600). Throws when the token is too short or the file is readable by others.
 */
export function loadAdminToken(env: NodeJS.ProcessEnv = process.env, dataDir = dataRoot()): AdminToken {
  if (env.ADMIN_TOKEN !== undefined && env.ADMIN_TOKEN !== '') {
    return { token: checked(env.ADMIN_TOKEN, 'ADMIN_TOKEN'), source: 'env' };
  }
  const file = path.join(dataDir, 'admin-token');
  mkdirSync(dataDir, { recursive: true });
  // Written in full under a private name, then linked into place: link() fails when the file exists,
  // so of two servers starting at once exactly one creates it and the other reads a complete token.
  const token = randomBytes(32).toString('base64url');
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  let created = false;
  try {
    writeFileSync(tmp, `${token}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, file);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } finally {
    unlinkSync(tmp);
  }
  if (created) return { token, source: 'generated', file };
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new Error(`${file} is readable by other users: chmod 600 it (or set ADMIN_TOKEN)`);
  }
  return { token: checked(readFileSync(file, 'utf8').trim(), file), source: 'file', file };
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Whether `given` is `expected`, in time independent of where they differ (and of their lengths). */
export function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}
