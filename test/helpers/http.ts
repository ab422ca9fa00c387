/**
 * Serves the real Express app on an ephemeral port for the duration of a test, and holds every
 * JSON response to the OpenAPI document: the body must match the schema the matched route
 * declares for that status (or the API's default error schema), so the document cannot drift
 * from what the server sends.
 */
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import type { Test } from 'tap';
import type { Api, Operation } from '../../src/http/core/api.js';
import { createApp } from '../../src/http/core/app.js';
import type { Pool } from '../../src/lib/core/db.js';

export interface TestServer {
  /** e.g. http://127.0.0.1:40123 */
  base: string;
  /**
   * fetch relative to `base` (or an absolute URL the server handed out), with JSON helpers.
   * Rejects when a JSON response does not match the schema its route declares for its status.
   */
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
}

/** An app with its route declarations and document, as createApp returns it. */
export type DeclaredApp = Pick<ReturnType<typeof createApp>, 'apis' | 'openapi' | 'listen'>;
type Doc = DeclaredApp['openapi'];
interface DocResponse {
  description: string;
  content?: Record<string, { schema: unknown }>;
}

const addFormats = ajvFormats.default.default;
// Not strict: the schemas are the document's, with OpenAPI's own keys beside JSON Schema's.
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));

/** The document's `#/...` references replaced by what they point at (the document has no cycles). */
function inline(node: unknown, doc: Doc): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(n, doc));
  if (!node || typeof node !== 'object') return node;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    const target = ref
      .slice(2)
      .split('/')
      .reduce<any>((at, key) => at?.[key], doc);
    if (target === undefined) throw new Error(`response check: unresolved ${ref}`);
    return inline(target, doc);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v, doc)]));
}

const templateOf = (api: Api, op: Operation) =>
  (api.prefix + (op.path === '/' ? '' : op.path)).replace(/:(\w+)/g, '{$1}') || '/';
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Finds the route Express would run for a request, in mount and declaration order. */
function matcher(apis: Api[]) {
  const routes = apis.map((api) => ({
    api,
    prefix: new RegExp(`^${escapeRegExp(api.prefix)}(?:/|$)`, 'i'),
    ops: api.operations.map((op) => ({
      op,
      template: templateOf(api, op),
      re: new RegExp(`^${escapeRegExp(op.path === '/' ? '' : op.path).replace(/:\w+/g, '[^/]+')}/?$`, 'i'),
    })),
  }));
  return (method: string, pathname: string) => {
    const verb = method === 'HEAD' ? 'get' : method.toLowerCase();
    let mounted: Api | undefined;
    for (const r of routes) {
      if (!r.prefix.test(pathname)) continue;
      mounted ??= r.api;
      const rest = pathname.slice(r.api.prefix.length) || '/';
      const hit = r.ops.find((o) => o.op.method === verb && o.re.test(rest));
      if (hit) return { api: r.api, template: hit.template, method: hit.op.method };
      // A router with its own error shape answers every unknown path under it (blog's RealWorld 404).
      if (r.api.errorResponse) return { api: r.api };
    }
    return { api: mounted };
  };
}

/** Checks one response against the document; returns what is wrong, or undefined. */
function checker(doc: Doc, apis: Api[]) {
  const match = matcher(apis);
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (key: string, schema: unknown) => {
    let v = compiled.get(key);
    if (!v) compiled.set(key, (v = ajv.compile(inline(schema, doc) as object)));
    return v;
  };
  const problem = (doc.components.schemas as Record<string, unknown>).Problem;
  return (method: string, url: URL, status: number, contentType: string, text: string): string | undefined => {
    const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
    if (!/[/+]json$/.test(mediaType)) return undefined;
    const found = match(method, url.pathname);
    const where = `${method} ${url.pathname} (${found.template ? `route ${found.method!.toUpperCase()} ${found.template}` : 'no route'}) ${status}`;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return `${where}: the body is not JSON`;
    }
    let declared: DocResponse | undefined;
    if (found.template) {
      const responses = (doc.paths[found.template] as Record<string, { responses: Record<string, DocResponse> }>)[
        found.method!
      ]!.responses;
      declared = responses[String(status)] ?? (status >= 400 ? responses.default : undefined);
      if (!declared) return `${where}: the route declares no response for this status`;
    } else if (found.api?.errorResponse) {
      const e = found.api.errorResponse;
      declared = {
        description: e.description,
        ...(e.schema ? { content: { [e.contentType ?? 'application/json']: { schema: e.schema } } } : {}),
      };
    } else if (mediaType === 'application/problem+json') {
      declared = {
        description: "the app's problem details",
        content: { 'application/problem+json': { schema: problem } },
      };
    } else {
      return undefined; // the app's own routes (/healthz, /openapi.json) declare nothing
    }
    const content = declared.content?.[mediaType];
    if (!content) {
      return `${where}: sent ${mediaType}, the route declares ${declared.content ? Object.keys(declared.content).join(', ') : 'no body'} for this status`;
    }
    const validate = validatorFor(
      `${found.template ?? found.api?.prefix ?? ''} ${found.method ?? ''} ${status} ${mediaType}`,
      content.schema,
    );
    if (validate(body)) return undefined;
    return `${where}: the body does not match the declared schema: ${ajv.errorsText(validate.errors, { separator: '; ' })}\n${text.slice(0, 2000)}`;
  };
}

/** The admin token and provider-callback secret every test app is configured with. */
export const testAdminToken = 'test-admin-token-0123456789abcdef';
export const testWebhookSecret = 'test-webhook-secret';

export interface TestServerOptions {
  /** Send `Authorization: Bearer <testAdminToken>` on every request that sets no Authorization itself. */
  admin?: boolean;
  /** CORS_ORIGINS of the app. */
  corsOrigins?: string[];
  /** A direct URL for LISTEN sessions (testDb's `directUrl`), for a `sql` that may go through the pooler. */
  listenUrl?: string;
}

export function testServer(t: Test, sql: Pool, opts: TestServerOptions = {}): Promise<TestServer> {
  const app = createApp({
    sql,
    adminToken: testAdminToken,
    bookingWebhookSecret: testWebhookSecret,
    corsOrigins: opts.corsOrigins ?? [],
    listenUrl: opts.listenUrl,
  });
  return serve(t, app, opts.admin ? { authorization: `Bearer ${testAdminToken}` } : {});
}

/** Serves `app` for the test, checking its responses against `app.openapi`. */
export async function serve(
  t: Test,
  app: DeclaredApp,
  defaultHeaders: Record<string, string> = {},
): Promise<TestServer> {
  const check = checker(app.openapi, app.apis);
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    async request(path, init = {}) {
      const { json, headers, ...rest } = init;
      const url = new URL(path, base);
      const res = await fetch(url, {
        ...rest,
        headers: {
          ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
          ...defaultHeaders,
          ...(headers as Record<string, string>),
        },
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
      const text = await res.clone().text();
      const wrong =
        text === ''
          ? undefined
          : check((rest.method ?? 'GET').toUpperCase(), url, res.status, res.headers.get('content-type') ?? '', text);
      if (wrong) throw new Error(`response check: ${wrong}`);
      return res;
    },
  };
}
