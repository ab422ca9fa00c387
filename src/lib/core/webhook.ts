/**
 * Signed callbacks (webhooks), Stripe's scheme: the sender puts `t=<unix seconds>,v1=<hex>` in a
 * header, where v1 is HMAC-SHA256 of `<t>.<raw body>` under a shared secret. The raw bytes are
 * signed, not the parsed JSON, and the timestamp bounds how long a captured request can be replayed.
 * Several v1 values may be given (a secret being rotated). Project-neutral, no HTTP.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PgGrindError } from './errors.js';

/** Why a signature was refused. */
export type InvalidSignatureReason = 'missing' | 'malformed' | 'expired' | 'mismatch';

/** A callback whose signature header is missing, malformed, too old (or too new), or wrong. */
export class InvalidSignature extends PgGrindError {
  override name = 'InvalidSignature';
  constructor(readonly reason: InvalidSignatureReason) {
    super(`signature refused: ${reason}`);
  }
}

/** Default tolerance between the signed timestamp and now, seconds (Stripe's default). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Returns when `header` signs `body` under `secret` within the tolerance; throws InvalidSignature. */
export function verifySignedPayload(
  header: string | undefined,
  body: Buffer,
  secret: string,
  { toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS, now = Date.now() } = {},
): void {
  if (!header) throw new InvalidSignature('missing');
  let at: number | undefined;
  const given: Buffer[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v && /^\d{1,12}$/.test(v)) at = Number(v);
    else if (k === 'v1' && v && /^[0-9a-f]{64}$/i.test(v)) given.push(Buffer.from(v, 'hex'));
  }
  if (at === undefined || given.length === 0) throw new InvalidSignature('malformed');
  if (Math.abs(now / 1000 - at) > toleranceSeconds) throw new InvalidSignature('expired');
  const expected = createHmac('sha256', secret).update(`${at}.`).update(body).digest();
  if (!given.some((g) => timingSafeEqual(g, expected))) throw new InvalidSignature('mismatch');
}
