/**
 * The unit tier: an in-memory pg-mem database built from the committed migrations, reached through
 * pg-mem's `pg` adapter (its postgres.js adapter hangs on any SQL error). pg-mem cannot load every
 * statement (plpgsql, triggers, RLS, ...): each test file lists, by pattern, the migration statements
 * it skips and says which behaviour only the integration tier then covers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DataType, newDb } from 'pg-mem';
import { packageRoot } from '../../src/lib/core/paths.js';

/** Splits SQL into statements at top-level semicolons (outside quotes, comments and $$ bodies). */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') {
      i = sql.indexOf('\n', i);
      if (i < 0) break;
      continue;
    }
    if (c === "'") {
      i = sql.indexOf("'", i + 1);
      if (i < 0) break;
      continue;
    }
    if (c === '"') {
      i = sql.indexOf('"', i + 1);
      if (i < 0) break;
      continue;
    }
    if (c === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0];
      if (tag) {
        i = sql.indexOf(tag, i + tag.length) + tag.length - 1;
        continue;
      }
    }
    if (c === ';') {
      out.push(sql.slice(start, i).trim());
      start = i + 1;
    }
  }
  const rest = sql.slice(start).trim();
  if (rest) out.push(rest);
  // Drop statements that are only comments.
  return out.filter((s) => s.split('\n').some((l) => l.trim() && !l.trim().startsWith('--')));
}

/** Every statement of the committed migrations, in order. */
export function migrationStatements(): string[] {
  const dir = path.join(packageRoot, 'migrations', 'committed');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .flatMap((f) => splitStatements(readFileSync(path.join(dir, f), 'utf8').replace(/^--!.*$/gm, '')));
}

export interface Skip {
  /** Matches the statements to skip. */
  pattern: RegExp;
  /** Why pg-mem cannot load it, and what the integration tier covers instead. */
  reason: string;
}

/** Skipped everywhere: documentation only, no behaviour. */
const commentsOnly: Skip = { pattern: /^(\s*--[^\n]*\n)*\s*comment on /i, reason: 'comments carry no behaviour' };
/** pg-mem has no roles: privileges are tested on real PostgreSQL (test/core/privileges.ts). */
const privileges: Skip = {
  pattern: /^(\s*--[^\n]*\n)*\s*(grant|revoke|alter default privileges) /i,
  reason: 'pg-mem has no roles or privileges',
};

/**
 * A pg-mem database with the migrated schema of `schema`: only that project's statements (and
 * not the `skip`ped ones) are loaded. `prepare` may register what else the project's schema calls
 * (a project's own built-ins) before the migration loads. Returns a connected `pg` client of
 * pg-mem's adapter.
 */
export async function memDb(schema: string, skip: Skip[], prepare?: (db: ReturnType<typeof newDb>) => void) {
  const db = newDb();
  // Built-ins pg-mem lacks, implemented as PostgreSQL defines them.
  db.public.registerFunction({
    name: 'btrim',
    args: [DataType.text],
    returns: DataType.text,
    implementation: (s: string) => s.replace(/^ +| +$/g, ''),
  });
  db.public.registerFunction({
    name: 'char_length',
    args: [DataType.text],
    returns: DataType.integer,
    implementation: (s: string) => [...s].length,
  });
  db.public.registerFunction({
    name: 'length',
    args: [DataType.text],
    returns: DataType.integer,
    implementation: (s: string) => [...s].length,
  });
  // POSIX regular-expression match; the bracket classes used in CHECKs are translated to JS.
  db.public.registerOperator({
    operator: '~',
    left: DataType.text,
    right: DataType.text,
    returns: DataType.bool,
    implementation: (s: string, re: string) =>
      new RegExp(re.replace(/\[:alnum:\]/g, 'A-Za-z0-9').replace(/\[:space:\]/g, '\\s')).test(s),
  });
  prepare?.(db);
  const mine = new RegExp(`\\b${schema}\\.|\\bschema ${schema}\\b`, 'i');
  const rules = [commentsOnly, privileges, ...skip];
  const used = new Set<Skip>();
  for (const stmt of migrationStatements().filter((s) => mine.test(s))) {
    const rule = rules.find((r) => r.pattern.test(stmt));
    if (rule) {
      used.add(rule);
      continue;
    }
    db.public.none(stmt);
  }
  const unused = skip.filter((r) => !used.has(r));
  if (unused.length)
    throw new Error(`skip rules that match nothing (stale list): ${unused.map((r) => r.pattern).join(', ')}`);
  const { Client } = db.adapters.createPg();
  const client = new Client();
  await client.connect();
  return {
    db,
    client,
    query: async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[],
  };
}
