/**
 * Shard readiness for Citus, checked on the catalog (Citus itself cannot be installed on our CI
 * machines: no Debian package for PostgreSQL 15 here, and it is not a trusted extension, so this is
 * what can be proven). A project declares, per table, how Citus would hold it (shard-plans.ts):
 *
 * - `{ distributed: column }`: `create_distributed_table(table, column)`, sharded by that column;
 * - `reference`: `create_reference_table(table)`, one copy on every node;
 * - `local`: stays on the coordinator (`citus_add_local_table_to_metadata`).
 *
 * and the check refuses what Citus refuses: a primary key, unique constraint, unique index or
 * exclusion constraint of a distributed table without its distribution column (exclusions: compared
 * with `=`); a foreign key between distributed tables that does not pair the two distribution
 * columns; a foreign key from a reference or local table to a distributed one, or to a local one
 * from a distributed or reference table; distributed tables of one project whose keys differ in type
 * (they could not be co-located, so their joins and foreign keys would cross nodes).
 */
import type postgres from 'postgres';

/** How Citus would hold one table. */
export type TablePlan = { distributed: string } | 'reference' | 'local';

export interface ShardPlan {
  /** The distribution key in words (saas: `org_id`), or null when nothing is distributed. */
  key: string | null;
  /** Every table of the schema (partitions follow their parent and are not listed). */
  tables: Record<string, TablePlan>;
  /**
   * Constraints the check refuses today, by name, each with what stands in the way and the migration
   * that would remove it. The list cannot rot: a listed constraint that no longer fails fails the test.
   */
  gaps?: Record<string, string>;
}

/** One refusal: the table, the constraint (or table) it is about, and why. */
export interface ShardProblem {
  table: string;
  constraint: string;
  reason: string;
}

interface CatalogConstraint {
  table: string;
  name: string;
  kind: 'p' | 'u' | 'x' | 'f' | 'i';
  columns: string[];
  /** Exclusion constraints: the operator of each column. */
  operators: string[];
  /** Foreign keys: the referenced table (schema-qualified when another schema) and columns. */
  refSchema: string | null;
  refTable: string | null;
  refColumns: string[];
}

const kinds = { p: 'primary key', u: 'unique constraint', x: 'exclusion constraint', i: 'unique index' } as const;

/** The tables, keys and foreign keys of `schema`, from the catalog. */
async function readCatalog(sql: postgres.Sql, schema: string) {
  const tables = await sql<{ table: string }[]>`
    select c.relname as table
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = ${schema} and c.relkind in ('r', 'p') and not c.relispartition
     order by 1`;
  const columns = await sql<{ table: string; column: string; type: string }[]>`
    select c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = ${schema} and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped`;
  // Constraints, and unique indexes that back none (a unique index on an expression still names its
  // plain columns; an expression itself counts as no column).
  const constraints = await sql<CatalogConstraint[]>`
    select c.relname as table, k.conname as name, k.contype as kind,
           array(select a.attname from unnest(k.conkey) with ordinality u(n, i)
                   join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n order by u.i)::text[] as columns,
           coalesce(array(select o.oprname from unnest(k.conexclop) with ordinality u(op, i)
                            join pg_operator o on o.oid = u.op order by u.i), '{}')::text[] as operators,
           rn.nspname as "refSchema", rc.relname as "refTable",
           coalesce(array(select a.attname from unnest(k.confkey) with ordinality u(n, i)
                            join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.n order by u.i),
                    '{}')::text[] as "refColumns"
      from pg_constraint k
      join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
      left join pg_class rc on rc.oid = k.confrelid left join pg_namespace rn on rn.oid = rc.relnamespace
     where n.nspname = ${schema} and k.contype in ('p', 'u', 'x', 'f') and not c.relispartition
    union all
    select c.relname, i.relname, 'i',
           array(select a.attname from unnest(x.indkey::int2[]) with ordinality u(n, o)
                   join pg_attribute a on a.attrelid = x.indrelid and a.attnum = u.n order by u.o)::text[],
           '{}', null, null, '{}'
      from pg_index x
      join pg_class i on i.oid = x.indexrelid join pg_class c on c.oid = x.indrelid
      join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = ${schema} and x.indisunique and not c.relispartition
       and not exists (select 1 from pg_constraint k where k.conindid = x.indexrelid)
     order by 1, 2`;
  return { tables: tables.map((r) => r.table), columns, constraints };
}

/** What Citus would refuse in `schema` under `plan` (gaps not subtracted), sorted by table and constraint. */
export async function shardProblems(sql: postgres.Sql, schema: string, plan: ShardPlan): Promise<ShardProblem[]> {
  const { tables, columns, constraints } = await readCatalog(sql, schema);
  const problems: ShardProblem[] = [];
  const refuse = (table: string, constraint: string, reason: string) => problems.push({ table, constraint, reason });
  const typeOf = (table: string, column: string) => columns.find((c) => c.table === table && c.column === column)?.type;
  const keyOf = (p: TablePlan | undefined) => (p && typeof p === 'object' ? p.distributed : undefined);
  const kindOf = (p: TablePlan | undefined) =>
    p === undefined ? undefined : typeof p === 'object' ? 'distributed' : p;

  for (const table of tables) {
    if (!(table in plan.tables))
      refuse(table, table, `${schema}.${table} has no plan (distributed, reference or local)`);
  }
  const keyTypes = new Set<string>();
  for (const [table, p] of Object.entries(plan.tables)) {
    if (!tables.includes(table)) {
      refuse(table, table, `the plan names ${schema}.${table}, which the schema does not have`);
      continue;
    }
    const key = keyOf(p);
    if (key === undefined) continue;
    const type = typeOf(table, key);
    if (!type) refuse(table, table, `distribution column ${key} is not a column of ${schema}.${table}`);
    else keyTypes.add(type);
  }
  if (keyTypes.size > 1) {
    refuse('*', '*', `distribution columns of different types (${[...keyTypes].join(', ')}) cannot be co-located`);
  }

  for (const c of constraints) {
    const own = plan.tables[c.table];
    const key = keyOf(own);
    if (c.kind !== 'f') {
      if (key === undefined) continue;
      const at = c.columns.indexOf(key);
      if (at < 0)
        refuse(
          c.table,
          c.name,
          `${kinds[c.kind]} (${c.columns.join(', ') || 'expressions'}) lacks distribution column ${key}`,
        );
      else if (c.kind === 'x' && c.operators[at] !== '=') {
        refuse(
          c.table,
          c.name,
          `exclusion constraint compares distribution column ${key} with ${c.operators[at]}, not =`,
        );
      }
      continue;
    }
    const target = c.refSchema === schema ? plan.tables[c.refTable!] : undefined;
    const from = kindOf(own);
    const to = c.refSchema === schema ? kindOf(target) : 'another schema';
    const fk = `foreign key (${c.columns.join(', ')}) -> ${c.refTable} (${c.refColumns.join(', ')})`;
    if (from === undefined) continue; // reported as an undeclared table
    if (to === 'another schema') {
      refuse(c.table, c.name, `${fk} leaves the schema: a project's plan cannot see that table`);
    } else if (to === undefined) {
      refuse(c.table, c.name, `${fk}: ${c.refTable} has no plan`);
    } else if (from === 'distributed' && to === 'distributed') {
      const at = c.columns.indexOf(key!);
      if (at < 0 || c.refColumns[at] !== keyOf(target)) {
        refuse(c.table, c.name, `${fk} does not pair distribution columns ${key} and ${keyOf(target)}`);
      }
    } else if (to === 'distributed') {
      refuse(c.table, c.name, `${fk}: a ${from} table cannot reference a distributed one`);
    } else if (to === 'local' && from !== 'local') {
      refuse(c.table, c.name, `${fk}: a ${from} table cannot reference a local one`);
    }
  }
  return problems.sort((a, b) => a.table.localeCompare(b.table) || a.constraint.localeCompare(b.constraint));
}

/** The plan's `create_distributed_table` / `create_reference_table` statements, in an order Citus accepts. */
export function citusStatements(schema: string, plan: ShardPlan): string[] {
  const entries = Object.entries(plan.tables);
  const q = (table: string) => `'${schema}.${table}'`;
  return [
    ...entries.filter(([, p]) => p === 'reference').map(([t]) => `select create_reference_table(${q(t)});`),
    ...entries.filter(([, p]) => p === 'local').map(([t]) => `select citus_add_local_table_to_metadata(${q(t)});`),
    ...entries.flatMap(([t, p]) =>
      typeof p === 'object' ? [`select create_distributed_table(${q(t)}, '${p.distributed}');`] : [],
    ),
  ];
}

/** The schemas of the database that a project owns: every one but PostgreSQL's, `public` and graphile-migrate's. */
export async function projectSchemas(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select nspname as name from pg_namespace
     where nspname not like 'pg\\_%' and nspname not in ('information_schema', 'public', 'graphile_migrate')
     order by 1`;
  return rows.map((r) => r.name);
}
