/**
 * Route declarations: each route states its JSON Schemas once (path params, query, headers, body,
 * responses); the same declaration feeds ajv validation (compiled once, at declaration) and the
 * OpenAPI 3.1 document. Request schemas are TypeBox schemas (src/http/core/schemas.ts): handlers
 * receive the validated input typed as the schemas' `Static` types, with no interface to keep in step.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import express, { type Request, type Response } from 'express';
import { MAX_ISSUES, ValidationFailed, type FieldIssue } from './problem.js';
import { ProblemRef } from './schemas.js';

export type JsonSchema = Record<string, unknown>;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  schema?: JsonSchema;
  /** Default `application/json`. */
  contentType?: string;
  headers?: Record<string, { description: string; schema?: JsonSchema }>;
}

/** Who may call a route: checked before validation, and documented as an OpenAPI security scheme. */
export interface RouteGuard {
  /** Key in `components.securitySchemes`. */
  name: string;
  /** The OpenAPI security scheme object. */
  scheme: JsonSchema;
  /** False when the request carries no credential; throws (401) when it carries a wrong one. */
  allows(req: Request): boolean;
  /** Throws (401) unless the request carries the credential. */
  check(req: Request): void;
}

export interface Input<P, Q, B, H> {
  params: P;
  query: Q;
  body: B;
  headers: H;
}

/** What a request schema validates to: its Static type, or `none` when the route declares no schema. */
type Validated<S, None> = S extends TSchema ? Static<S> : None;
type Empty = Record<string, never>;

/** The handler's input for the schemas P, Q, B, H (undefined: not declared); R false: the body may be absent. */
export type InputOf<P, Q, B, H, R extends boolean = true> = Input<
  Validated<P, Empty>,
  Validated<Q, Empty>,
  R extends false ? Validated<B, undefined> | undefined : Validated<B, undefined>,
  Validated<H, Empty>
>;

type Maybe = TSchema | undefined;

export interface RouteSpec<
  P extends Maybe,
  Q extends Maybe,
  B extends Maybe,
  H extends Maybe,
  R extends boolean = true,
> {
  method: Method;
  /** Express path relative to the router, e.g. `/:id`. */
  path: string;
  summary: string;
  description?: string;
  /** Object schema of the path parameters (strings coerced to the declared types). */
  params?: P;
  /** Object schema of the query string (coerced). */
  query?: Q;
  /** Object schema of request headers, lowercase names (coerced). */
  headers?: H;
  /** Schema of the JSON body (not coerced: `"true"` is not a boolean). */
  body?: B;
  /** Whether a body is required when `body` is given. Default true. */
  bodyRequired?: R;
  /**
   * Who may call it. Enforced before validation unless `optional`: then the handler asks
   * `guard.allows(req)` and the document shows the route open to both (`security: [{}, {name: []}]`).
   */
  security?: { guard: RouteGuard; optional?: boolean };
  responses: Record<number, ResponseSpec>;
  handler: (input: InputOf<P, Q, B, H, R>, req: Request, res: Response) => unknown;
}

// ajv-formats is CommonJS with `exports.default`: under NodeNext its default export is the namespace.
const addFormats = ajvFormats.default.default;
const options = { strict: true, useDefaults: true, allowUnionTypes: true } as const;
const ajvs = (coerceTypes: boolean) => ({
  first: addFormats(new Ajv({ ...options, coerceTypes, allErrors: false })),
  all: addFormats(new Ajv({ ...options, coerceTypes, allErrors: true })),
});
/** Path, query and headers arrive as strings: coerce them to the declared types. */
const coercing = ajvs(true);
/** JSON bodies keep their JSON types. */
const exact = ajvs(false);

/**
 * Bodies up to this size are checked for every issue; larger ones stop at the first. With ajv's
 * `allErrors` the work grows with the number of offending values: a 1 MB body of 50,000 unknown
 * keys took 227 ms and built 50,000 issues only for MAX_ISSUES of them to be sent. Path, query and
 * headers are always checked in full: Node caps them (16 KB of headers, 1,000 query keys).
 */
const THOROUGH_BODY_BYTES = 16 * 1024;

/**
 * A schema's check: a validator that stops at the first error decides (and coerces, and fills
 * defaults); only an invalid value is checked again for every error, when `thorough`. The thorough
 * validator is compiled on first need: most routes never see invalid input, and compiling costs.
 */
function checkerOf(pair: ReturnType<typeof ajvs>, schema: TSchema | undefined) {
  if (!schema) return undefined;
  const first = pair.first.compile(schema);
  let all: ValidateFunction | undefined;
  return (value: unknown, thorough: boolean): ErrorObject[] | undefined => {
    if (first(value)) return undefined;
    if (!thorough) return first.errors ?? [];
    all ??= pair.all.compile(schema);
    return all(value) ? (first.errors ?? []) : (all.errors ?? []);
  };
}

function issuesOf(where: FieldIssue['in'], errors: ErrorObject[] | null | undefined): FieldIssue[] {
  return (errors ?? []).map((e) => {
    const path = e.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (e.keyword === 'required') path.push((e.params as { missingProperty: string }).missingProperty);
    if (e.keyword === 'additionalProperties')
      path.push((e.params as { additionalProperty: string }).additionalProperty);
    const field = path.join('.') || (where === 'body' ? '(body)' : '(all)');
    const message =
      e.keyword === 'additionalProperties'
        ? 'is not a known field'
        : e.keyword === 'required'
          ? 'is required'
          : (e.message ?? 'is invalid');
    return { in: where, field, message };
  });
}

/**
 * Each JSON body's bytes as received, kept by the parser's verify hook: webhooks check signatures
 * over them, and validation reads their size (chunked bodies have no Content-Length).
 */
const rawBodies = new WeakMap<object, Buffer>();

/** The bytes of a request's JSON body as received (empty when it had none). */
export function rawBody(req: Request): Buffer {
  return rawBodies.get(req) ?? Buffer.alloc(0);
}

/** One declared route, as the OpenAPI document (and the tests' response check) read it. */
export interface Operation {
  method: Method;
  path: string;
  spec: RouteSpec<Maybe, Maybe, Maybe, Maybe, boolean>;
}

/** One project's routes: an Express router plus the OpenAPI operations it declares. */
export class Api {
  readonly router = express.Router();
  readonly operations: Operation[] = [];

  /** `prefix` is where the app mounts the router (e.g. `/todo`); `tag` groups it in the docs. */
  /**
   * `errorResponse` documents the router's own error shape when an external spec dictates one
   * (the router then maps errors itself); by default errors are the app's problem+json.
   */
  constructor(
    readonly prefix: string,
    readonly tag: string,
    readonly description = '',
    readonly errorResponse?: ResponseSpec,
  ) {
    // Bodies are parsed inside each router, so that a router with its own error shape (blog's
    // RealWorld errors) also answers malformed JSON and oversized bodies (1 MB) in that shape.
    // The raw bytes are kept for routes that verify a signature over them (webhooks).
    this.router.use(express.json({ limit: '1mb', verify: (req, _res, buf) => void rawBodies.set(req, buf) }));
  }

  route<
    P extends Maybe = undefined,
    Q extends Maybe = undefined,
    B extends Maybe = undefined,
    H extends Maybe = undefined,
    R extends boolean = true,
  >(spec: RouteSpec<P, Q, B, H, R>): this {
    const v = {
      params: checkerOf(coercing, spec.params),
      query: checkerOf(coercing, spec.query),
      headers: checkerOf(coercing, spec.headers),
      body: checkerOf(exact, spec.body),
    };
    const bodyRequired = spec.bodyRequired ?? true;
    const guard = spec.security && !spec.security.optional ? spec.security.guard : undefined;
    this.router[spec.method](spec.path, async (req: Request, res: Response) => {
      guard?.check(req);
      const issues: FieldIssue[] = [];
      let incomplete = false;
      const check = (where: FieldIssue['in'], fn: ReturnType<typeof checkerOf>, value: unknown, thorough = true) => {
        const errors = fn?.(value, thorough);
        if (!errors) return;
        issues.push(...issuesOf(where, errors));
        incomplete ||= !thorough;
      };
      const params = { ...req.params };
      // Express 5's req.query is a getter over a fresh parse: validate (and coerce) a copy.
      const query = { ...(req.query as Record<string, unknown>) };
      // Coercion writes into what it validates: copy headers only for routes that declare them.
      const headers = v.headers ? { ...req.headers } : req.headers;
      check('path', v.params, params);
      check('query', v.query, query);
      check('header', v.headers, headers);
      let body: unknown = req.body;
      if (v.body) {
        const hasBody =
          Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
        if (body === undefined && hasBody && !req.is('application/json')) {
          issues.push({ in: 'header', field: 'content-type', message: 'must be application/json' });
        } else if (body === undefined && bodyRequired) {
          issues.push({ in: 'body', field: '(body)', message: 'a JSON body is required' });
        } else if (body !== undefined) {
          check('body', v.body, body, (rawBodies.get(req)?.length ?? 0) <= THOROUGH_BODY_BYTES);
        }
      } else {
        body = undefined;
      }
      if (issues.length) throw new ValidationFailed(issues, incomplete);
      await spec.handler({ params, query, body, headers } as unknown as InputOf<P, Q, B, H, R>, req, res);
    });
    this.operations.push({ method: spec.method, path: spec.path, spec: spec as unknown as Operation['spec'] });
    return this;
  }
}

const problemSchema = ProblemRef;

function parametersOf(where: 'path' | 'query' | 'header', schema: TSchema | undefined) {
  if (!schema) return [];
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(s.description ? { description: s.description } : {}),
    schema: s,
  }));
}

/** The OpenAPI 3.1 document of the given APIs. */
export function openApiDocument(apis: Api[], info: { title: string; version: string; description: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  const securitySchemes: Record<string, JsonSchema> = {};
  for (const api of apis) {
    for (const { method, path, spec } of api.operations) {
      const full = (api.prefix + (path === '/' ? '' : path)).replace(/:(\w+)/g, '{$1}') || '/';
      const e = api.errorResponse;
      const errorContent = e
        ? e.schema
          ? { content: { [e.contentType ?? 'application/json']: { schema: e.schema } } }
          : {}
        : { content: { 'application/problem+json': { schema: problemSchema } } };
      const responses: Record<string, unknown> = {};
      for (const [status, r] of Object.entries(spec.responses)) {
        responses[status] = {
          description: r.description,
          ...(r.headers ? { headers: r.headers } : {}),
          // An error status declared by its description alone still answers in the API's error shape.
          ...(r.schema
            ? { content: { [r.contentType ?? 'application/json']: { schema: r.schema } } }
            : Number(status) >= 400
              ? errorContent
              : {}),
        };
      }
      if (!e && (spec.params || spec.query || spec.headers || spec.body)) {
        responses['400'] ??= {
          description: 'Invalid input: the problem lists each offending field',
          content: { 'application/problem+json': { schema: problemSchema } },
        };
      }
      const security = spec.security;
      if (security) {
        securitySchemes[security.guard.name] = security.guard.scheme;
        responses['401'] ??= {
          description: security.optional
            ? 'a wrong credential, or one that this request needs'
            : 'no credential, or a wrong one (`WWW-Authenticate: Bearer`)',
          content: { 'application/problem+json': { schema: problemSchema } },
        };
      }
      responses.default = { description: e ? e.description : 'Error (RFC 9457 problem details)', ...errorContent };
      (paths[full] ??= {})[method] = {
        tags: [api.tag],
        summary: spec.summary,
        ...(spec.description ? { description: spec.description } : {}),
        operationId: `${api.tag}_${method}_${path.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_|_$/g, '') || 'root'}`,
        parameters: [
          ...parametersOf('path', spec.params),
          ...parametersOf('query', spec.query),
          ...parametersOf('header', spec.headers),
        ],
        ...(spec.body
          ? {
              requestBody: {
                required: spec.bodyRequired ?? true,
                content: { 'application/json': { schema: spec.body } },
              },
            }
          : {}),
        ...(security
          ? { security: [...(security.optional ? [{}] : []), { [security.guard.name]: [] as string[] }] }
          : {}),
        responses,
      };
    }
  }
  return {
    openapi: '3.1.0',
    info,
    tags: apis.map((a) => ({ name: a.tag, description: a.description })),
    paths,
    components: {
      ...(Object.keys(securitySchemes).length ? { securitySchemes } : {}),
      schemas: {
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details',
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            constraint: { type: 'string', description: 'the database constraint that refused the write' },
            errors: {
              type: 'array',
              maxItems: MAX_ISSUES,
              items: {
                type: 'object',
                required: ['in', 'field', 'message'],
                properties: {
                  in: { enum: ['body', 'query', 'path', 'header'] },
                  field: { type: 'string' },
                  message: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
  };
}
