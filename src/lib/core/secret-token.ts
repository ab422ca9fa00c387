/**
 * Opaque secret tokens (an invitation, a password reset, an e-mail confirmation link): 32 random
 * bytes handed to one person, of which the database keeps only the sha256. A leaked table (a
 * backup, a replica, a log of bound parameters) then holds nothing anyone can present, while a
 * lookup stays one unique-index probe: the token has 256 bits of entropy, so an unsalted fast hash
 * is enough (a password needs scrypt because people choose guessable ones; nobody chooses these).
 * Project-neutral: each project keeps the hashes in its own table.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Bytes of randomness in a token: 32, the size of the hash, so guessing one is as hard as it gets. */
export const SECRET_TOKEN_BYTES = 32;

/** A token as handed out: 43 base64url characters (32 bytes, no padding). */
export const SECRET_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';
const shape = new RegExp(SECRET_TOKEN_PATTERN);

/** A new token (base64url, to hand out once) and its sha256 (to store). */
export function newSecretToken(): { token: string; hash: Buffer } {
  const token = randomBytes(SECRET_TOKEN_BYTES).toString('base64url');
  return { token, hash: createHash('sha256').update(token, 'utf8').digest() };
}

/**
 * The sha256 of a presented token, to look it up by; undefined when it cannot be one of ours
 * (wrong length or alphabet), so that the caller answers "no such token" without a query.
 */
export function hashSecretToken(token: string): Buffer | undefined {
  if (!shape.test(token)) return undefined;
  return createHash('sha256').update(token, 'utf8').digest();
}
