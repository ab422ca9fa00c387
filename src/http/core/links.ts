/** URLs an API hands back (project-neutral): absolute resource URLs and RFC 8288 `Link` headers. */
import type { Request, Response } from 'express';
import type { Page } from '../../lib/core/page.js';

/** The absolute URL of the router's mount point, e.g. `http://host:3000/todo`. */
export function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host')}${req.baseUrl}`;
}

/** `Link: <same URL with after=cursor>; rel="next"`, keeping every other query parameter. */
export function nextLink(req: Request, cursor: string): string {
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host')}`);
  url.searchParams.set('after', cursor);
  return `<${url.toString()}>; rel="next"`;
}

/** Sends a keyset page as a JSON array of `toJson(row)`, with `Link: rel="next"` when another page follows. */
export function sendPage<T>(req: Request, res: Response, page: Page<T>, toJson: (row: T) => unknown): void {
  if (page.next) res.set('Link', nextLink(req, page.next));
  res.json(page.items.map(toJson));
}
