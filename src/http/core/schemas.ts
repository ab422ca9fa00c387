/**
 * JSON Schemas every router shares, as TypeBox schemas: each is plain JSON Schema for ajv and the
 * OpenAPI document (TypeBox's markers are symbols, which JSON.stringify skips) and carries its
 * TypeScript type, so `api.route` hands handlers typed input with no interface beside the schema.
 */
import {
  Type,
  type ObjectOptions,
  type SchemaOptions,
  type Static,
  type TInteger,
  type TObject,
  type TOptional,
  type TProperties,
  type TSchema,
  type TString,
  type TUnsafe,
} from '@sinclair/typebox';
import type { PageSize } from '../../lib/core/page.js';

/**
 * A bigint id as JSON: an integer 1 .. 2^53 - 1. Larger ids exist in PostgreSQL but not as exact
 * JSON numbers, so the API refuses them up front rather than rounding them to another row.
 */
export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** Path parameters that are all ids, e.g. `PathIds('orgId', 'teamId')` for `/orgs/:orgId/teams/:teamId`. */
export function PathIds<K extends string>(...names: K[]): TObject<{ [N in K]: typeof Id }> {
  return Type.Object(Object.fromEntries(names.map((n) => [n, Id])) as { [N in K]: typeof Id }, {
    additionalProperties: false,
  });
}

/** `/:id` of a bigint id. */
export const IdParams = PathIds('id');

/** An RFC 3339 timestamp, as `Date.prototype.toISOString` writes it. */
export const DateTime = (options: SchemaOptions = {}): TString => Type.String({ format: 'date-time', ...options });

/**
 * `schema` or null, written as `type: [<type>, "null"]` (not `anyOf`), so that keywords such as
 * `minimum` or `format` stay beside the type they constrain. Only for schemas with one `type`.
 */
export function Nullable<T extends TSchema & { type: string }>(schema: T): TUnsafe<Static<T> | null> {
  const { type, ...rest } = schema;
  return Type.Unsafe<Static<T> | null>({ ...rest, type: [type, 'null'] });
}

/** One of the given strings, written as JSON Schema `enum`. */
export function StringEnum<const V extends readonly string[]>(
  values: V,
  options: SchemaOptions = {},
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ enum: [...values], ...options });
}

/** Any JSON value (a job payload, say): the empty schema. */
export const AnyJson = (options: SchemaOptions = {}) => Type.Unknown(options);

/** The `limit` of a list, with its default and cap as the library states them. */
export const Limit = (size: PageSize): TOptional<TInteger> =>
  Type.Optional(Type.Integer({ minimum: 1, maximum: size.max, default: size.default }));

/** The `after` cursor of a keyset list: opaque to clients, copied from the previous Link header. */
export const After = Type.Optional(
  Type.String({ maxLength: 200, description: 'cursor from the Link rel="next" header' }),
);

/** The query of a keyset list: its own filters `extra`, then `limit` and `after`. */
export function PageQuery<P extends TProperties = Record<never, never>>(
  size: PageSize,
  extra: P = {} as P,
  options: ObjectOptions = {},
) {
  return Type.Object({ ...extra, limit: Limit(size), after: After }, options);
}

/** The app's RFC 9457 problem details (a component of the OpenAPI document). */
export const ProblemRef = { $ref: '#/components/schemas/Problem' } as const;

/** A problem with extension members `extra`, for a route whose problem carries more than the standard fields. */
export function ProblemWith<P extends TProperties>(extra: P) {
  return Type.Unsafe<Record<string, unknown> & Static<TObject<P>>>({ allOf: [ProblemRef, Type.Object(extra)] });
}

/** The response header of a keyset list (set by `sendPage` in links.ts). */
export const nextLinkHeader = { Link: { description: 'rel="next" URL when more follow', schema: { type: 'string' } } };
