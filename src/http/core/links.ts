/** URLs an API hands back (project-neutral): absolute resource URLs and RFC 8288 `Link` headers. */
import type { TLSSocket } from 'node:tls';
import type { Request, Response } from 'express';
import type { Page } from '../../lib/core/page.js';

/** The Express setting that holds the normalized public URL (createApp's `publicUrl`). */
export const PUBLIC_URL_SETTING = 'public url';

/**
 * `value` as the origin-and-path prefix of absolute URLs (`https://api.example.com`, or with the
 * path a proxy strips, `https://example.com/pg`), without a trailing slash. Throws on anything
 * else: a query, fragment or credentials would end up inside every URL handed out.
 */
export function normalizePublicUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {}
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new Error(
      `PUBLIC_URL must be an absolute http(s) URL without query, fragment or credentials (e.g. https://api.example.com), not ${JSON.stringify(value)}`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Where absolute URLs point: the configured public URL, else the address the request arrived on
 * (the HOST:PORT the server listens on; with a wildcard HOST, the interface that was reached).
 * Never the Host header: any client may send one, and a URL built from it would hand that
 * client's (or a cache-poisoning attacker's) origin to everyone who reads the response.
 */
function origin(req: Request): string {
  const configured = req.app.get(PUBLIC_URL_SETTING) as string | undefined;
  if (configured) return configured;
  const socket = req.socket;
  // An IPv4 client of a server listening on `::` arrives as ::ffff:a.b.c.d.
  const address = (socket.localAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.)/, '');
  const host = address.includes(':') ? `[${address.replace('%', '%25')}]` : address;
  return `${(socket as TLSSocket).encrypted ? 'https' : 'http'}://${host}:${socket.localPort}`;
}

/** The absolute URL of the router's mount point, e.g. `http://127.0.0.1:3000/todo`. */
export function baseUrl(req: Request): string {
  return `${origin(req)}${req.baseUrl}`;
}

/** `Link: <same URL with after=cursor>; rel="next"`, keeping every other query parameter. */
export function nextLink(req: Request, cursor: string): string {
  // Appended, not resolved against the origin: a path starting `//` must not name another host.
  const url = new URL(`${origin(req)}${req.originalUrl}`);
  url.searchParams.set('after', cursor);
  return `<${url.toString()}>; rel="next"`;
}

/** Sends a keyset page as a JSON array of `toJson(row)`, with `Link: rel="next"` when another page follows. */
export function sendPage<T>(req: Request, res: Response, page: Page<T>, toJson: (row: T) => unknown): void {
  if (page.next) res.set('Link', nextLink(req, page.next));
  res.json(page.items.map(toJson));
}
