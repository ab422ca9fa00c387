/**
 * Parameter and result-row types for every statement in sql/<project>/*.sql, written to
 * src/lib/generated/sql/ by `npm run generate` (scripts/generate.ts) and checked against a fresh
 * run by test/core/statements.ts.
 *
 * Why our own generator and not pgtyped: pgtyped wants its own annotations in the files (a second
 * SQL dialect: `@name` comments, `:param!` placeholders) while ours are plain `$n` SQL that psql and
 * EXPLAIN accept as they are; this asks the server through the same driver and type parsers the
 * libraries use at run time (postgres.js `sql.unsafe(text).describe()`: parameter OIDs, result
 * columns with table OID and column number), so a type here is what `many()` really returns; and
 * it is one dependency fewer.
 *
 * Nullability, which `describe()` does not report:
 *   - a parameter is always `T | null` (the server cannot tell which ones a statement tolerates);
 *   - a result column taken straight from a table column (describe gives its table and number) is
 *     non-null when that column is `not null` (pg_attribute.attnotnull), unless the statement has
 *     an outer join (`left|right|full join` outside comments): the nullable side of an outer join
 *     reports the same table and column, and telling the sides apart would take a SQL parser, so
 *     in such a statement every column is nullable unless its header says `-- @not-null`;
 *   - every computed column (count(*), exists (...), a cast, a function result) is nullable unless
 *     the header says `-- @not-null name, name`; `-- @nullable name` makes a table column nullable
 *     (for the rare case the rules above call non-null wrongly). A name that is not a result
 *     column fails the generator, so annotations cannot go stale silently.
 *
 * Type mapping: what postgres.js returns with the parsers `connect()` keeps (test/core/statements.ts
 * checks each on real PostgreSQL): int8 and numeric strings (exact); int2, int4, oid, float4,
 * float8 numbers; bool boolean; timestamptz, timestamp and date Date; json and jsonb parsed; bytea
 * Buffer; arrays of any element type whose array type it is arrays; enums the union of their labels;
 * everything else (text, citext, uuid, interval, ranges, a domain, ...) the text PostgreSQL sends.
 * A domain is reported by its own OID, which has no parser, so a domain over int4 reads as a string:
 * as an output its base type does not apply; as a parameter it takes its base type's input.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type postgres from 'postgres';

/** One `sql/<project>/<name>.sql` file. */
export interface SqlFile {
  project: string;
  name: string;
  file: string;
  text: string;
}

/** Every statement file, projects and names in byte order (the generated output must not depend on the file system). */
export function listSqlFiles(root: string): SqlFile[] {
  const dir = path.join(root, 'sql');
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort(byName)
    .flatMap((project) =>
      readdirSync(path.join(dir, project))
        .filter((f) => f.endsWith('.sql'))
        .sort(byName)
        .map((f) => {
          const file = path.join(dir, project, f);
          return { project, name: f.slice(0, -4), file, text: readFileSync(file, 'utf8') };
        }),
    );
}

interface PgType {
  oid: number;
  typname: string;
  typtype: string;
  typelem: number;
  typarray: number;
  typbasetype: number;
  labels: string[] | null;
}

/** The catalog facts the mapping needs, read once per run. */
export interface Catalog {
  types: Map<number, PgType>;
  /** `${table oid}.${column number}` of every `not null` column. */
  notNull: Set<string>;
}

export async function readCatalog(sql: postgres.Sql): Promise<Catalog> {
  const types = await sql<PgType[]>`
    select t.oid::int as oid, t.typname::text as typname, t.typtype::text as typtype, t.typelem::int as typelem,
           t.typarray::int as typarray, t.typbasetype::int as typbasetype,
           (select array_agg(e.enumlabel::text order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid) as labels
      from pg_type t`;
  const cols = await sql<{ key: string }[]>`
    select a.attrelid::int || '.' || a.attnum as key
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid
      join pg_namespace n on n.oid = c.relnamespace
     where a.attnotnull and a.attnum > 0 and not a.attisdropped
       and n.nspname not in ('pg_catalog', 'information_schema')`;
  return { types: new Map(types.map((t) => [t.oid, t])), notNull: new Set(cols.map((c) => c.key)) };
}

/** What postgres.js parses each built-in type into (by name: these OIDs are fixed in pg_type.dat). */
const outputs: Record<string, string> = {
  int8: 'string',
  numeric: 'string',
  int2: 'number',
  int4: 'number',
  oid: 'number',
  float4: 'number',
  float8: 'number',
  bool: 'boolean',
  timestamptz: 'Date',
  timestamp: 'Date',
  date: 'Date',
  json: 'JsonValue',
  jsonb: 'JsonValue',
  bytea: 'Buffer',
};

/** What a parameter of each type accepts: postgres.js serializes these, PostgreSQL parses the text. */
const inputs: Record<string, string> = {
  // Not bigint: postgres.js infers a parameter's type from a bigint value and would send an int8[]
  // of bigints as a single int8 (test/core/statements.ts).
  int8: 'string | number',
  numeric: 'string | number',
  int2: 'number',
  int4: 'number',
  oid: 'number',
  float4: 'number',
  float8: 'number',
  bool: 'boolean',
  timestamptz: 'Date | string',
  timestamp: 'Date | string',
  date: 'Date | string',
  // postgres.js JSON.stringifies any value given for json/jsonb.
  json: 'unknown',
  jsonb: 'unknown',
  bytea: 'Buffer',
};

const builtinTypeOids = new Set([16, 17, 20, 21, 23, 26, 114, 700, 701, 1082, 1114, 1184, 1700, 3802]);

/** The TypeScript type of a value of `oid`, as a result column (`out`) or as a parameter (`in`). */
export function tsType(catalog: Catalog, oid: number, direction: 'in' | 'out'): string {
  const t = catalog.types.get(oid);
  if (!t) throw new Error(`type oid ${oid} is not in pg_type`);
  if (t.typtype === 'e') return (t.labels ?? []).map((l) => JSON.stringify(l)).join(' | ') || 'never';
  if (t.typtype === 'd') return direction === 'in' ? tsType(catalog, t.typbasetype, 'in') : 'string';
  const elem = t.typelem ? catalog.types.get(t.typelem) : undefined;
  // A true array type is its element's typarray (int2vector and friends have a typelem but are not).
  if (elem && elem.typarray === oid) {
    let inner = tsType(catalog, elem.oid, direction);
    // postgres.js types an array parameter after its first element, so a Date, boolean, Buffer or
    // object first element would send the array as one scalar of that type: elements go as text.
    if (direction === 'in' && !/^(number|string|string \| number|"[\s\S]*")$/.test(inner)) inner = 'string';
    const wrapped = /[ |]/.test(inner) ? `(${inner})` : inner;
    return direction === 'in' ? `readonly ${wrapped}[]` : `${wrapped}[]`;
  }
  const table = direction === 'in' ? inputs : outputs;
  if (builtinTypeOids.has(oid)) return table[t.typname]!;
  return 'string';
}

/** `-- @not-null a, b` and `-- @nullable c` lines of a statement file. */
export function annotations(text: string): { notNull: Set<string>; nullable: Set<string> } {
  const notNull = new Set<string>();
  const nullable = new Set<string>();
  for (const m of text.matchAll(/^\s*--\s*@(not-null|nullable)\s+(.+)$/gm)) {
    for (const name of m[2]!.split(/[\s,]+/).filter(Boolean)) (m[1] === 'not-null' ? notNull : nullable).add(name);
  }
  return { notNull, nullable };
}

/** True when the statement, outside comments, has a left, right or full (outer) join. */
export function hasOuterJoin(text: string): boolean {
  return /\b(left|right|full)\s+(outer\s+)?join\b/i.test(text.replace(/--.*$/gm, ''));
}

export interface StatementTypes {
  file: SqlFile;
  /** TypeScript type of `$1..$n`, each without its `| null`. */
  params: string[];
  columns: { name: string; type: string; nullable: boolean }[];
}

/** Describes one statement on `sql` and types it. Throws, naming the file, when PostgreSQL refuses it. */
export async function typeStatement(sql: postgres.Sql, catalog: Catalog, file: SqlFile): Promise<StatementTypes> {
  const where = `sql/${file.project}/${file.name}.sql`;
  let described: postgres.Statement;
  try {
    described = await sql.unsafe(file.text).describe();
  } catch (err) {
    throw Object.assign(new Error(`${where}: ${(err as Error).message}`), { cause: err });
  }
  const names = described.columns.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined)
    throw new Error(`${where}: result column ${dup} appears twice (postgres.js would keep only one)`);
  const { notNull, nullable } = annotations(file.text);
  for (const n of [...notNull, ...nullable]) {
    if (!names.includes(n)) throw new Error(`${where}: annotation names ${n}, which is not a result column`);
    if (notNull.has(n) && nullable.has(n)) throw new Error(`${where}: ${n} is annotated both @not-null and @nullable`);
  }
  const outer = hasOuterJoin(file.text);
  return {
    file,
    params: described.types.map((oid) => tsType(catalog, oid, 'in')),
    columns: described.columns.map((c) => {
      const fromTable = c.table !== 0 && catalog.notNull.has(`${c.table}.${c.number}`) && !outer;
      return {
        name: c.name,
        type: tsType(catalog, c.type, 'out'),
        nullable: !notNull.has(c.name) && (nullable.has(c.name) || !fromTable),
      };
    }),
  };
}

const header = '// Generated by `npm run generate` (scripts/sql-types.ts) from sql/';
const pascal = (s: string) => s.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
const prop = (name: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name));

/** The first sentence of the statement's header comment, for the JSDoc of its entry. */
function summary(text: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^--\s?(.*)$/.exec(line);
    if (!m) break;
    if (!m[1]!.trimStart().startsWith('@')) lines.push(m[1]!.trim());
  }
  const joined = lines.join(' ');
  const end = joined.search(/\.(\s|$)/);
  return (end >= 0 ? joined.slice(0, end + 1) : joined).replace(/\*\//g, '* /');
}

function projectFile(project: string, statements: StatementTypes[]): string {
  const body = statements
    .map((s) => {
      const params = s.params.map((p, i) => `$${i + 1}: ${p} | null`).join(', ');
      const row = s.columns.map((c) => `      ${prop(c.name)}: ${c.type}${c.nullable ? ' | null' : ''};`).join('\n');
      return [
        `  /** ${summary(s.file.text) || `sql/${project}/${s.file.name}.sql`} */`,
        `  ${prop(s.file.name)}: {`,
        `    params: readonly [${params}];`,
        s.columns.length ? `    row: {\n${row}\n    };` : '    row: Record<string, never>;',
        '  };',
      ].join('\n');
    })
    .join('\n');
  const usesJson = statements.some((s) => s.columns.some((c) => c.type.includes('JsonValue')));
  return [
    `${header}${project}/*.sql: do not edit by hand.`,
    ...(usesJson ? ["import type { JsonValue } from './index.js';", ''] : []),
    `/** Parameters (\`$1..$n\`) and result row of each statement in sql/${project}/. */`,
    `export interface ${pascal(project)}Statements {`,
    body,
    '}',
    '',
  ].join('\n');
}

function indexFile(projects: Map<string, StatementTypes[]>): string {
  const names = [...projects.keys()];
  return [
    `${header}*/*.sql: do not edit by hand.`,
    ...names.map((p) => `import type { ${pascal(p)}Statements } from './${p}.js';`),
    '',
    "/** A parsed json/jsonb value (the same shape as Zapatos' JSONValue). */",
    'export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };',
    '',
    '/** Every statement of every project: what `loadSql(project, names)` types its statements with. */',
    'export interface SqlStatements {',
    ...names.map((p) => `  ${prop(p)}: ${pascal(p)}Statements;`),
    '}',
    '',
    '/** The statement names per project, at run time (test/core/statements.ts compares them with sql/). */',
    'export const statementNames = {',
    ...names.map(
      (p) =>
        `  ${prop(p)}: [${projects
          .get(p)!
          .map((s) => `'${s.file.name}'`)
          .join(', ')}],`,
    ),
    '} as const;',
    '',
  ].join('\n');
}

/**
 * Types every statement under `root`/sql on the (migrated) database `sql` and returns the files
 * of src/lib/generated/sql/ by name: `index.ts` and one `<project>.ts` per project.
 */
export async function generateSqlTypes(sql: postgres.Sql, root: string): Promise<Map<string, string>> {
  const catalog = await readCatalog(sql);
  const projects = new Map<string, StatementTypes[]>();
  for (const file of listSqlFiles(root)) {
    const typed = await typeStatement(sql, catalog, file);
    projects.set(file.project, [...(projects.get(file.project) ?? []), typed]);
  }
  const out = new Map<string, string>([['index.ts', indexFile(projects)]]);
  for (const [project, statements] of projects) out.set(`${project}.ts`, projectFile(project, statements));
  return out;
}
