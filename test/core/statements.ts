// Every statement of every project, on the migrated schema of real PostgreSQL: each file under sql/
// parses, describes and plans (so a statement no other test runs still fails CI when a migration
// breaks it), has generated types, and those types are what `npm run generate` would write now.
// Then the type mapping of scripts/sql-types.ts against the values postgres.js really returns.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { connect } from '../../src/lib/core/db.js';
import { packageRoot } from '../../src/lib/core/paths.js';
import { statementNames } from '../../src/lib/generated/sql/index.js';
import {
  annotations,
  generateSqlTypes,
  hasOuterJoin,
  readCatalog,
  tsType,
  typeStatement,
  type Catalog,
} from '../../scripts/sql-types.js';
import { testDb } from '../helpers/db.js';

// As the request role, so a statement whose privileges no migration granted fails here; seed_*
// statements are the seed scripts' (an admin's, exempt from RLS) and run as the superuser.
const { sql, url, superSql } = await testDb(t, { max: 2 });
const sqlDir = path.join(packageRoot, 'sql');
const files = readdirSync(sqlDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(path.join(sqlDir, d.name))
      .filter((f) => f.endsWith('.sql'))
      .map((f) => ({
        project: d.name,
        name: f.slice(0, -4),
        text: readFileSync(path.join(sqlDir, d.name, f), 'utf8'),
      })),
  );

t.test('every sql/ file has generated types, and every generated statement a file', async (t) => {
  const registry: Record<string, readonly string[]> = statementNames;
  const generated = Object.entries(registry).flatMap(([project, names]) => names.map((n) => `${project}/${n}`));
  const onDisk = files.map((f) => `${f.project}/${f.name}`);
  t.equal(onDisk.length, generated.length, `${onDisk.length} statement files, ${generated.length} typed statements`);
  t.same(
    onDisk.filter((n) => !generated.includes(n)),
    [],
    'files without generated types',
  );
  t.same(
    generated.filter((n) => !onDisk.includes(n)),
    [],
    'generated types without a file',
  );
});

/** PREPARE accepts these; utility statements (analyze, ...) can only be described. */
const plannable = (text: string) =>
  /^\s*(select|with|insert|update|delete|values)\b/i.test(text.replace(/--.*$/gm, ''));

t.test('each statement parses, describes and has a generic plan', async (t) => {
  for (const [i, f] of files.entries()) {
    const where = `${f.project}/${f.name}`;
    const db = f.name.startsWith('seed') ? superSql : sql;
    const described = await db
      .unsafe(f.text)
      .describe()
      .catch((err: Error) => err);
    if (described instanceof Error) {
      t.fail(`${where} does not describe: ${described.message}`);
      continue;
    }
    if (!plannable(f.text)) {
      t.pass(`${where}: described (a utility statement has no plan)`);
      continue;
    }
    const plan = await db
      .begin(async (tx) => {
        // A generic plan is the one planned without parameter values, so nulls stand in for them.
        await tx.unsafe('set local plan_cache_mode = force_generic_plan');
        await tx.unsafe(`prepare pggrind_check_${i} as ${f.text}`);
        const args = described.types.map(() => 'null').join(', ');
        const rows = await tx.unsafe(`explain (costs off) execute pggrind_check_${i}${args ? `(${args})` : ''}`);
        await tx.unsafe(`deallocate pggrind_check_${i}`);
        return rows;
      })
      .catch((err: Error) => err);
    if (plan instanceof Error) t.fail(`${where} does not plan: ${plan.message}`);
    else t.ok(plan.length > 0, `${where}: described and planned`);
  }
});

t.test('the generated statement types are what npm run generate writes for this schema', async (t) => {
  const outDir = path.join(packageRoot, 'src', 'lib', 'generated', 'sql');
  const fresh = await generateSqlTypes(sql, packageRoot);
  t.same([...fresh.keys()].sort(), readdirSync(outDir).sort(), 'the same files');
  for (const [name, text] of fresh)
    t.equal(readFileSync(path.join(outDir, name), 'utf8'), text, `${name} is up to date`);
});

t.test('nullability rules: annotations and outer joins', async (t) => {
  t.same(annotations('-- @not-null a, b\n-- @nullable c\nselect 1'), {
    notNull: new Set(['a', 'b']),
    nullable: new Set(['c']),
  });
  t.ok(hasOuterJoin('select 1 from a left join b on true'));
  t.ok(hasOuterJoin('select 1 from a full outer join b on true'));
  t.notOk(hasOuterJoin('-- a left join in a comment\nselect 1 from a join b on true'));
  const catalog = await readCatalog(sql);
  await t.rejects(generateFor(catalog, '-- @not-null nope\nselect 1 as one'), /annotation names nope/);
  await t.rejects(
    generateFor(catalog, '-- @not-null one\n-- @nullable one\nselect 1 as one'),
    /both @not-null and @nullable/,
  );
  await t.rejects(generateFor(catalog, 'select 1 as x, 2 as x'), /appears twice/);
  await t.rejects(
    generateFor(catalog, 'select from nowhere_at_all'),
    /scratch\/bad\.sql: relation "nowhere_at_all" does not exist/,
  );
  const typed = await generateFor(
    catalog,
    `-- @not-null n
    select t.id, t.title, t.order, count(*) over () as n, null::int as maybe from todo.todos t`,
  );
  t.same(
    typed.columns.map((c) => [c.name, c.type, c.nullable]),
    [
      ['id', 'string', false],
      ['title', 'string', false],
      ['order', 'number', true],
      ['n', 'string', false],
      ['maybe', 'number', true],
    ],
  );
  const outer = await generateFor(
    catalog,
    '-- @not-null id\nselect a.id, b.title from todo.todos a left join todo.todos b on false',
  );
  t.same(
    outer.columns.map((c) => c.nullable),
    [false, true],
    'a not null column on the nullable side of an outer join is nullable',
  );
});

function generateFor(catalog: Catalog, text: string) {
  return typeStatement(sql, catalog, { project: 'scratch', name: 'bad', file: 'scratch/bad.sql', text });
}

/** Whether `value` is a value of the TypeScript type `type` as scripts/sql-types.ts writes types. */
function conforms(type: string, value: unknown): boolean {
  if (type.endsWith('[]')) {
    const inner = type.slice(0, -2).replace(/^\((.*)\)$/, '$1');
    return Array.isArray(value) && value.every((v) => conforms(inner, v));
  }
  if (type.startsWith('"'))
    return type
      .split(' | ')
      .map((l) => JSON.parse(l) as string)
      .includes(value as string);
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'Date':
      return value instanceof Date && !Number.isNaN(value.getTime());
    case 'Buffer':
      return Buffer.isBuffer(value);
    case 'JsonValue':
      return value !== undefined && typeof value !== 'function' && JSON.parse(JSON.stringify(value)) !== undefined;
    default:
      throw new Error(`no check for ${type}`);
  }
}

t.test('each mapped type is what postgres.js really returns through connect()', async (t) => {
  // The pool of connect(), as the libraries have it (its own parsers, arrays fetched at connect).
  const pool = connect(url, { max: 1 });
  t.teardown(() => pool.end({ timeout: 1 }));
  await superSql.unsafe(`create domain public.pggrind_positive as int4 check (value > 0);
                    create type public.pggrind_pair as (a int, b text)`);
  const catalog = await readCatalog(sql);
  const samples: [string, unknown][] = [
    ['9007199254740993::int8', '9007199254740993'],
    ['1.50::numeric', '1.50'],
    ['1::int2', 1],
    ['2::int4', 2],
    ['3::oid', 3],
    ['1.5::float4', 1.5],
    ['2.5::float8', 2.5],
    ['true', true],
    ["'2026-03-29 01:30:00+00'::timestamptz", new Date('2026-03-29T01:30:00Z')],
    ["'2026-03-29 01:30:00'::timestamp", undefined],
    ["'2026-03-29'::date", undefined],
    [`'{"a": [1, null]}'::json`, { a: [1, null] }],
    [`'"text"'::jsonb`, 'text'],
    [`'null'::jsonb`, null],
    ["'\\x0102'::bytea", Buffer.from([1, 2])],
    ["'x'::text", 'x'],
    ["'x'::varchar", 'x'],
    ["'x'::char(2)", 'x '],
    ["'X'::citext", 'X'],
    ["'x'::name", 'x'],
    ["'00000000-0000-0000-0000-000000000001'::uuid", '00000000-0000-0000-0000-000000000001'],
    ["'10.0.0.1'::inet", '10.0.0.1'],
    ["'1 day'::interval", '1 day'],
    ["'10:30'::time", '10:30:00'],
    ["tstzrange('2026-01-01', '2026-01-02')", undefined],
    ["booking.timerange('10:00', '11:00')", '[10:00:00,11:00:00)'],
    ["'held'::booking.booking_status", 'held'],
    ['5::public.pggrind_positive', '5'],
    ["row(1, 'a')::public.pggrind_pair", '(1,a)'],
    ['array[1, 2]::int4[]', [1, 2]],
    ['array[1, 2]::int8[]', ['1', '2']],
    ["array['a', 'b']::text[]", ['a', 'b']],
    ["array['held', 'expired']::booking.booking_status[]", ['held', 'expired']],
    ["array['2026-01-01']::date[]", undefined],
    [`array['{"a": 1}']::jsonb[]`, [{ a: 1 }]],
    ['array[true]', [true]],
  ];
  const text = `select ${samples.map(([expr], i) => `${expr} as c${i}`).join(', ')}`;
  const described = await pool.unsafe(text).describe();
  const [row] = await pool.unsafe(text);
  for (const [i, [expr, expected]] of samples.entries()) {
    const type = tsType(catalog, described.columns[i]!.type, 'out');
    const value = (row as Record<string, unknown>)[`c${i}`];
    t.ok(conforms(type, value), `${expr}: ${JSON.stringify(value)} is a ${type}`);
    if (expected !== undefined) t.same(value, expected, `${expr}: value`);
  }
  t.equal(
    tsType(catalog, described.columns.find((_, i) => samples[i]![0].includes('pggrind_positive'))!.type, 'in'),
    'number',
    'a domain parameter takes its base type',
  );
});

t.test('each mapped parameter type is accepted as written', async (t) => {
  const catalog = await readCatalog(sql);
  const inputs: [string, unknown[]][] = [
    ['int8', [5, '5']],
    ['numeric', ['1.5', 1.5]],
    ['int4', [3]],
    ['float8', [0.5]],
    ['bool', [true, false]],
    ['timestamptz', [new Date('2026-01-01T00:00:00Z'), '2026-01-01T00:00:00Z']],
    ['date', [new Date('2026-01-01T00:00:00Z'), '2026-01-01']],
    ['jsonb', [{ a: 1 }, [1, 2], 'str', 7]],
    ['text', ['x']],
    ['booking.booking_status', ['held']],
    ['int8[]', [[1, 2, '3']]],
    ['text[]', [['a', 'b']]],
    ['timestamptz[]', [['1970-01-01T00:00:00Z']]],
    ['bool[]', [['t', 'false']]],
  ];
  for (const [pgType, values] of inputs) {
    const text = `select $1::${pgType} as v`;
    const { types } = await sql.unsafe(text).describe();
    const tsIn = tsType(catalog, types[0]!, 'in');
    for (const v of values) {
      const [row] = await sql.unsafe(text, [v as never]);
      t.not(row!.v, null, `${pgType} takes ${JSON.stringify(v)} (typed ${tsIn})`);
    }
  }
  // Why array parameters take no Date, boolean or bigint elements: postgres.js types the whole array after its first one.
  await t.rejects(sql.unsafe('select $1::timestamptz[] as v', [[new Date(0)] as never]), { code: '42846' });
  await t.rejects(sql.unsafe('select $1::bool[] as v', [[true] as never]), { code: '42846' });
  t.equal(tsType(catalog, 1185, 'in'), 'readonly string[]');
  t.equal(tsType(catalog, 1000, 'in'), 'readonly string[]');
  t.equal(tsType(catalog, 20, 'in'), 'string | number');
  t.equal(tsType(catalog, 1184, 'in'), 'Date | string');
  t.equal(tsType(catalog, 1016, 'in'), 'readonly (string | number)[]');
});
