/**
 * Entity tags for versioned rows (project-neutral): a row's `version` is its strong ETag, `If-Match`
 * turns into an expected version for the library's optimistic check, `If-None-Match` into a 304.
 */
import type { Request, Response } from 'express';
import { HttpError } from './problem.js';

/** The strong ETag of a row version. */
export const etagOf = (version: number) => `"${version}"`;

/**
 * The version that `If-Match` demands: undefined when absent or `*` (any current version).
 * A tag this API never issues (weak, or not a version) can never match: it becomes version 0,
 * which no row has, so the write fails with 412 as RFC 9110 requires.
 */
export function ifMatchVersion(req: Request): number | undefined {
  const header = req.get('if-match');
  if (header === undefined || header.trim() === '*') return undefined;
  const tags = header
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.length !== 1)
    throw new HttpError(400, 'Unsupported If-Match', 'If-Match must carry exactly one entity tag (or *)');
  const m = /^"(\d{1,9})"$/.exec(tags[0]!);
  return m ? Number(m[1]) : 0;
}

/** Sets ETag; answers 304 (and returns true) when `If-None-Match` already has this version. */
export function notModified(req: Request, res: Response, version: number): boolean {
  return notModifiedTag(req, res, etagOf(version));
}

/**
 * `notModified` for a validator that is not a row version (a strong tag `"<...>"` built by the
 * caller, e.g. from a sync counter and the query): sets ETag; answers 304 (and returns true) when
 * `If-None-Match` already has it.
 */
export function notModifiedTag(req: Request, res: Response, tag: string): boolean {
  res.set('ETag', tag);
  const inm = req.get('if-none-match');
  if (inm && (inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === tag))) {
    res.status(304).end();
    return true;
  }
  return false;
}
