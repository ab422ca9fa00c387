/**
 * The baseline of the `http` benchmark: the same sql/todo/*.sql statements behind a bare `node:http`
 * handler with postgres.js. No Express, no validation, no logging, no problem+json: only what any
 * server must do (route, parse, run the statement, serialise the same JSON shape). pg-grind's adapter
 * is measured against this. Not an example to follow: bad input here gives 500s or garbage.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type postgres from 'postgres';
import { packageRoot } from '../../src/lib/core/paths.js';

const names = ['find_todo', 'list_todos', 'create_todo', 'update_todo'] as const;
const q = Object.fromEntries(
  names.map((n) => [n, readFileSync(path.join(packageRoot, 'sql', 'todo', `${n}.sql`), 'utf8')]),
) as Record<(typeof names)[number], string>;

interface Row {
  id: string;
  title: string;
  completed: boolean;
  order: number | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function json(
  _req: IncomingMessage,
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

const toJson = (base: string, t: Row) => ({
  id: Number(t.id),
  title: t.title,
  completed: t.completed,
  order: t.order,
  url: `${base}/${t.id}`,
  createdAt: t.created_at.toISOString(),
  updatedAt: t.updated_at.toISOString(),
});

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

const run = (sql: postgres.Sql, text: string, params: unknown[]) =>
  sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }) as unknown as Promise<Row[]>;

/** GET /todo/:id, GET /todo?limit=N, POST /todo, PATCH /todo/:id; 404 for anything else. */
export function bareServer(sql: postgres.Sql): Server {
  return createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      const base = `http://${req.headers.host}/todo`;
      const m = /^\/todo(?:\/(\d+))?$/.exec(url.pathname);
      if (!m) return json(req, res, 404, { title: 'Not found' });
      const id = m[1];
      if (req.method === 'GET' && id) {
        const [t] = await run(sql, q.find_todo, [id]);
        return t
          ? json(req, res, 200, toJson(base, t), { etag: `"${t.version}"` })
          : json(req, res, 404, { title: 'Not found' });
      }
      if (req.method === 'GET') {
        const limit = Number(url.searchParams.get('limit') ?? 100);
        const rows = await run(sql, q.list_todos, [null, null, limit + 1]);
        const items = rows.slice(0, limit);
        const headers: Record<string, string> =
          rows.length > limit
            ? {
                link: `<${base}?limit=${limit}&after=${Buffer.from(JSON.stringify([items[items.length - 1]!.id])).toString('base64url')}>; rel="next"`,
              }
            : {};
        return json(
          req,
          res,
          200,
          items.map((t) => toJson(base, t)),
          headers,
        );
      }
      if (req.method === 'POST' && !id) {
        const b = await readBody(req);
        const [t] = await run(sql, q.create_todo, [b.title, b.completed ?? null, b.order ?? null]);
        return json(req, res, 201, toJson(base, t!), { etag: `"${t!.version}"`, location: `${base}/${t!.id}` });
      }
      if (req.method === 'PATCH' && id) {
        const b = await readBody(req);
        const [t] = await run(sql, q.update_todo, [
          id,
          b.title ?? null,
          b.completed ?? null,
          b.order ?? null,
          b.order !== undefined,
          null,
        ]);
        return t
          ? json(req, res, 200, toJson(base, t), { etag: `"${t.version}"` })
          : json(req, res, 404, { title: 'Not found' });
      }
      return json(req, res, 405, { title: 'Method not allowed' });
    } catch (err) {
      json(req, res, 500, { title: 'Internal error', detail: (err as Error).message });
    }
  });
}
