/**
 * Least privilege: who owns pg-grind's objects and who runs its requests.
 *
 * - `pggrind_owner` owns the database, its schemas and every object in them; migrations run as it.
 *   It is not a superuser. It has CREATEROLE because the saas migration creates that project's own
 *   NOLOGIN roles (saas_app, saas_definer); its credentials are for deploys, not for requests.
 * - `pggrind_app` is the role requests run as: LOGIN, owns nothing, not a superuser, no BYPASSRLS,
 *   no CREATEDB or CREATEROLE, no CREATE on any schema. Every migration grants it exactly what the
 *   project's statements need, so forgetting a grant is a "permission denied", never a leak.
 *   Row-level security applies to it (saas forces RLS even on table owners; superusers and BYPASSRLS
 *   roles skip it, which is why requests must never run as one).
 *
 * The embedded cluster provisions both roles with generated passwords; with DATABASE_URL, the DBA
 * creates them (README, "Roles"), or grants `pggrind_app` to the login role of their choice.
 */
import postgres from 'postgres';

export const OWNER_ROLE = 'pggrind_owner';
export const REQUEST_ROLE = 'pggrind_app';

/** The schemas pg-grind's migrations create (and graphile-migrate's own). */
export const PGGRIND_SCHEMAS = ['todo', 'booking', 'saas', 'blog', 'queue', 'graphile_migrate'] as const;

/** `url` with its user (and password, when given) replaced. */
export function withUser(url: string, user: string, password?: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = password === undefined ? '' : encodeURIComponent(password);
  return u.toString();
}

/** A string literal for the few statements that cannot take parameters (ALTER ROLE ... PASSWORD). */
const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

export interface RolePasswords {
  owner?: string;
  request?: string;
}

/**
 * Creates (when missing) the owner and request roles on the server of `superUrl`, a superuser's
 * connection, and sets their passwords when given. Safe to run from several processes at once:
 * the loser of a CREATE ROLE race sees duplicate_object (or unique_violation on pg_authid).
 */
export async function provisionRoles(superUrl: string, passwords: RolePasswords = {}): Promise<void> {
  const sql = postgres(superUrl, { max: 1, onnotice: () => {} });
  try {
    // One provisioner at a time (two servers starting at once, parallel test runs): concurrent
    // GRANTs on the same role can fail with "tuple concurrently updated". Every caller connects to
    // the same maintenance database, where this session lock is shared; it ends with the session.
    await sql`select pg_advisory_lock(hashtext('pg-grind.provision'))`;
    const roles = [
      [OWNER_ROLE, 'login nosuperuser nobypassrls createrole nocreatedb noreplication', passwords.owner],
      [REQUEST_ROLE, 'login nosuperuser nobypassrls nocreaterole nocreatedb noreplication', passwords.request],
    ] as const;
    for (const [role, attributes, password] of roles) {
      await sql.unsafe(`create role ${ident(role)} ${attributes}`).catch((err: { code?: string }) => {
        if (err.code !== '42710' && err.code !== '23505') throw err;
      });
      // Existing roles (an older cluster, or a DBA's) get the attributes this design relies on.
      await sql.unsafe(`alter role ${ident(role)} ${attributes}`);
      if (password !== undefined) await sql.unsafe(`alter role ${ident(role)} password ${literal(password)}`);
    }
    // saas's NOLOGIN roles (its migration creates them too, when missing): the owner manages them.
    for (const role of ['saas_app', 'saas_definer']) {
      await sql.unsafe(`create role ${ident(role)} nologin`).catch((err: { code?: string }) => {
        if (err.code !== '42710' && err.code !== '23505') throw err;
      });
    }
    await sql.unsafe(`grant saas_app, saas_definer to ${ident(OWNER_ROLE)} with admin option`);
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/**
 * Readies the database `name` for migrations as the owner role (provisionRoles first): creates it
 * owned by that role, or hands an existing one to it, with, in a database from before the roles
 * existed, every pg-grind schema and object in it.
 */
export async function provisionDatabase(superUrl: string, name: string): Promise<void> {
  const admin = postgres(superUrl, { max: 1, onnotice: () => {} });
  try {
    const [db] = await admin<{ owner: string }[]>`
      select pg_get_userbyid(datdba) as owner from pg_database where datname = ${name}`;
    if (!db) {
      await admin
        .unsafe(`create database ${ident(name)} owner ${ident(OWNER_ROLE)}`)
        .catch((err: { code?: string }) => {
          if (err.code !== '42P04' && err.code !== '23505') throw err; // created meanwhile by a concurrent start
        });
    } else if (db.owner !== OWNER_ROLE) {
      await admin.unsafe(`alter database ${ident(name)} owner to ${ident(OWNER_ROLE)}`);
    }
  } finally {
    await admin.end({ timeout: 2 });
  }
  const u = new URL(superUrl);
  u.pathname = `/${encodeURIComponent(name)}`;
  const db = postgres(u.toString(), { max: 1, onnotice: () => {} });
  try {
    await db.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('pg-grind.provision'))`;
      // The saas migration hands its SECURITY DEFINER functions to saas_definer, and a new owner
      // who is not a superuser needs CREATE on the function's schema: saas_definer gets it on the
      // schemas the owner creates (default privileges are per database), until migration 000007
      // takes it back. Only before that migration ran: afterwards nothing needs it.
      const [done] = await tx`select 1 from pg_namespace where nspname = 'saas'`;
      if (!done)
        await tx.unsafe(
          `alter default privileges for role ${ident(OWNER_ROLE)} grant create on schemas to saas_definer`,
        );
      // Objects created by an earlier version, which migrated as the superuser: the owner role takes
      // them over, so that its migrations may alter them. One transaction: all or nothing.
      await tx`select set_config('pggrind.adopt_owner', ${OWNER_ROLE}, true),
                      set_config('pggrind.adopt_schemas', ${PGGRIND_SCHEMAS.join(',')}, true)`;
      await tx.unsafe(adoptObjects);
    });
  } finally {
    await db.end({ timeout: 2 });
  }
}

/**
 * Hands every schema named in `pggrind.adopt_schemas`, and every table, sequence, view, function
 * and type in them (but those of extensions, and saas_definer's functions), to `pggrind.adopt_owner`.
 */
const adoptObjects = `
do $$
declare
  owner   text   := current_setting('pggrind.adopt_owner');
  schemas text[] := string_to_array(current_setting('pggrind.adopt_schemas'), ',');
  r record;
begin
  for r in select n.nspname from pg_namespace n
            where n.nspname = any (schemas) and pg_get_userbyid(n.nspowner) <> owner loop
    execute format('alter schema %I owner to %I', r.nspname, owner);
  end loop;
  -- Tables first: ALTER TABLE also moves their indexes and the sequences their columns own.
  for r in select c.oid::regclass as name,
                  case c.relkind when 'v' then 'view' when 'm' then 'materialized view'
                                 when 'S' then 'sequence' when 'c' then 'type' else 'table' end as kind
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = any (schemas) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'c')
              and not exists (select 1 from pg_depend d
                               where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
            order by c.relkind = 'S' loop
    if pg_get_userbyid((select relowner from pg_class where oid = r.name)) <> owner then
      execute format('alter %s %s owner to %I', r.kind, r.name, owner);
    end if;
  end loop;
  for r in select p.oid::regprocedure as name, case p.prokind when 'p' then 'procedure' else 'function' end as kind
             from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = any (schemas) and pg_get_userbyid(p.proowner) not in (owner, 'saas_definer')
              and not exists (select 1 from pg_depend d
                               where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e') loop
    execute format('alter %s %s owner to %I', r.kind, r.name, owner);
  end loop;
  -- Enums, domains and ranges (array and multirange types follow their element type).
  for r in select t.oid::regtype as name from pg_type t join pg_namespace n on n.oid = t.typnamespace
            where n.nspname = any (schemas) and t.typtype in ('e', 'd', 'r')
              and pg_get_userbyid(t.typowner) <> owner
              and not exists (select 1 from pg_depend d
                               where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e') loop
    execute format('alter type %s owner to %I', r.name, owner);
  end loop;
end
$$`;

/** What makes a role unfit to run requests, or nothing. */
export interface RoleProblem {
  role: string;
  reason: string;
}

/**
 * Checks that the session of `sql` may serve requests: not a superuser, no BYPASSRLS, and owning
 * (directly or through a role it belongs to) no schema or table of pg-grind's. Undefined when fit.
 */
export async function requestRoleProblem(sql: postgres.Sql): Promise<RoleProblem | undefined> {
  const [row] = await sql<{ role: string; superuser: boolean; bypassrls: boolean; owns: string | null }[]>`
    select r.rolname as role, r.rolsuper as superuser, r.rolbypassrls as bypassrls,
           (select string_agg(n.nspname, ', ' order by n.nspname)
              from pg_namespace n
             where n.nspname = any (${[...PGGRIND_SCHEMAS]}::text[])
               and pg_has_role(r.oid, n.nspowner, 'MEMBER')) as owns
      from pg_roles r where r.rolname = current_user`;
  if (!row) return { role: '?', reason: 'its role could not be read' };
  if (row.superuser) return { role: row.role, reason: 'it is a superuser, which row-level security does not apply to' };
  if (row.bypassrls) return { role: row.role, reason: 'it has BYPASSRLS, which skips row-level security' };
  if (row.owns) return { role: row.role, reason: `it owns (or is a member of the owner of) the schemas ${row.owns}` };
  return undefined;
}
