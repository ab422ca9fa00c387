/**
 * The admin guard: routes that administer a project with no users of its own (the queue, a booking
 * desk) require `Authorization: Bearer <admin token>` (src/lib/core/admin-token.ts). A refusal is a
 * 401 problem with `WWW-Authenticate: Bearer`; the OpenAPI document lists the guarded routes under
 * the `adminToken` security scheme.
 */
import type { Request } from 'express';
import { sameToken } from '../../lib/core/admin-token.js';
import type { RouteGuard } from './api.js';
import { HttpError } from './problem.js';

/** The 401 of a request that needs the admin token; `message` says what was wrong with it. */
export function unauthorized(message: string) {
  return new HttpError(
    401,
    'Unauthorized',
    `this route needs the admin token: ${message}`,
    { errors: [{ in: 'header', field: 'authorization', message }] },
    { 'www-authenticate': 'Bearer realm="pg-grind admin"' },
  );
}

/**
 * The guard for `token`. `allows(req)` is false without an Authorization header and throws 401 for
 * a wrong one (a bad credential is never quietly treated as none); `check(req)` throws 401 unless
 * the request carries the token. Without a token (undefined) every request is refused: fail closed.
 */
export function adminGuard(token: string | undefined): RouteGuard {
  const allows = (req: Request) => {
    const header = req.get('authorization');
    if (header === undefined) return false;
    const m = /^Bearer +(\S+) *$/i.exec(header);
    if (!m) throw unauthorized('expected "Bearer <token>"');
    if (token === undefined || !sameToken(m[1]!, token)) throw unauthorized('the token is not the admin token');
    return true;
  };
  return {
    name: 'adminToken',
    scheme: {
      type: 'http',
      scheme: 'bearer',
      description: 'ADMIN_TOKEN, or the token generated into <data dir>/admin-token on first start (printed once)',
    },
    allows,
    check(req) {
      if (!allows(req)) throw unauthorized('no Authorization header');
    },
  };
}
