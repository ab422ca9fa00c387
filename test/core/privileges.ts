// Least privilege, on real PostgreSQL (issue 12, items 2 and 11): the request role pggrind_app owns
// nothing and is refused what only a superuser or an owner may do; every table has been thought
// about (granted to it, directly or through saas_app); saas shows it no row without a tenant
// context, even when the library is bypassed; SECURITY DEFINER functions pin a safe search_path.
import t from 'tap';
import { seed } from '../../src/lib/saas/seed.js';
import * as saas from '../../src/lib/saas/index.js';
import { testDb } from '../helpers/db.js';

const { sql, superSql } = await testDb(t, { max: 4 });

t.test('pggrind_app is not a superuser, has no BYPASSRLS and owns nothing', async (t) => {
  const [me] = await sql`select current_user as role, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb
                           from pg_roles r where r.rolname = current_user`;
  t.same(me, { role: 'pggrind_app', rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false });
  const owned = await superSql`
    select 'schema ' || nspname as what from pg_namespace where pg_has_role('pggrind_app', nspowner, 'MEMBER')
    union all
    select 'relation ' || oid::regclass from pg_class where pg_has_role('pggrind_app', relowner, 'MEMBER')
    union all
    select 'function ' || oid::regprocedure from pg_proc where pg_has_role('pggrind_app', proowner, 'MEMBER')
    union all
    select 'database ' || datname from pg_database where datname = current_database()
                                                    and pg_has_role('pggrind_app', datdba, 'MEMBER')`;
  t.same(owned, [], 'owns no schema, relation, function or the database');
  const creates = await superSql`
    select nspname from pg_namespace
     where nspname !~ '^pg_' and nspname <> 'information_schema'
       and has_schema_privilege('pggrind_app', oid, 'CREATE')`;
  t.same(creates, [], 'may create objects in no schema');
  const [db] = await superSql`select has_database_privilege('pggrind_app', current_database(), 'CREATE') as create`;
  t.equal(db!.create, false, 'may not create schemas');
});

t.test('what a superuser could do is refused to the request role', async (t) => {
  const refused = { code: '42501' };
  await t.rejects(sql`copy (select 1) to program 'true'`, refused, 'COPY ... TO PROGRAM');
  await t.rejects(sql`select pg_read_file('/etc/hostname')`, refused, 'reading server files');
  await t.rejects(sql`alter system set work_mem = '1GB'`, refused, 'ALTER SYSTEM');
  await t.rejects(sql`create table todo.mine (x int)`, refused, 'DDL in a project schema');
  await t.rejects(sql`alter table todo.todos disable row level security`, refused, 'altering a table it does not own');
  await t.rejects(
    sql.begin((tx) => tx`set local role saas_definer`),
    refused,
    'becoming saas_definer',
  );
  await t.rejects(
    sql.begin((tx) => tx`set local role pggrind_owner`),
    refused,
    'becoming the owner',
  );
  await t.rejects(sql`delete from blog.settings`, refused, 'deleting the signing secret');
  await t.rejects(sql`truncate queue.jobs`, refused, 'TRUNCATE');
});

t.test('the signing secret is written once: the request role cannot swap it', async (t) => {
  await sql`insert into blog.settings (key, value) values ('jwt_secret', 'the real one') on conflict do nothing`;
  await t.rejects(sql`update blog.settings set value = 'the attacker''s' where key = 'jwt_secret'`, {
    code: '42501',
    message: /written once/,
  });
  const [row] = await sql`insert into blog.settings (key, value) values ('jwt_secret', 'ignored')
                          on conflict (key) do update set value = blog.settings.value returning value`;
  t.equal(row!.value, 'the real one', 'the no-op upsert get_or_create_setting runs still works');
});

t.test('every table of every project is granted to the request role, or reached through saas_app', async (t) => {
  const missing = await superSql`
    select c.oid::regclass::text as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p', 'v', 'm')
       and n.nspname !~ '^pg_' and n.nspname not in ('information_schema', 'public', 'graphile_migrate')
       and not has_any_column_privilege('pggrind_app', c.oid, 'SELECT')
     order by 1`;
  t.same(
    missing.map((r) => r.name),
    [],
    'a new table needs its grants in its migration (or a deliberate exception here)',
  );
});

t.test('with no tenant context the request role sees no saas row, even bypassing the library', async (t) => {
  await seed(superSql, { orgs: 3, usersPerOrg: 3, teamsPerOrg: 1, projectsPerOrg: 2, tasksPerOrg: 5 });
  const tokens = { secret: 'test-secret-of-at-least-32-bytes!' };
  const owner = await saas.signup(
    sql,
    { email: 'o@example.com', password: 'correct horse', name: 'o', orgName: 'o' },
    tokens,
  );
  await saas.inOrg(sql, owner.user.id, owner.org.id, (tx) =>
    saas.inviteMember(tx, owner.org.id, 'i@example.com', 'member'),
  );
  await t.rejects(
    sql.begin(async (tx) => {
      await tx`set local role saas_app`;
      await tx`select * from saas.settings`;
    }),
    { code: '42501' },
    'the signing key is never readable inside a request transaction (as saas_app)',
  );
  const tables = ['users', 'orgs', 'memberships', 'invitations', 'teams', 'team_members', 'projects', 'tasks'];
  // (saas.settings is no tenant table: the server reads its signing key over its own connection.)
  for (const table of tables) {
    const [all] = await superSql`select count(*)::int as n from ${superSql('saas')}.${superSql(table)}`;
    const [mine] = await sql`select count(*)::int as n from ${sql('saas')}.${sql(table)}`;
    t.equal(mine!.n, 0, `saas.${table}: nothing (of ${all!.n} rows) without a tenant context`);
  }
  // Writes fail closed too: an insert with no context is refused by the policies.
  await t.rejects(sql`insert into saas.orgs (name) values ('squatter')`, { code: '42501' });
});

t.test('SECURITY DEFINER functions pin search_path = pg_catalog, pg_temp and qualify every name', async (t) => {
  const definers = await superSql<{ name: string; config: string[] | null }[]>`
    select p.oid::regprocedure::text as name, p.proconfig as config
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where p.prosecdef and n.nspname !~ '^pg_' and n.nspname <> 'information_schema'
     order by 1`;
  t.ok(definers.length >= 8, `found ${definers.length} SECURITY DEFINER functions`);
  for (const f of definers) t.same(f.config, ['search_path=pg_catalog, pg_temp'], f.name);
  // Qualified names keep their meaning under that path: citext's case-insensitive "=" lives in
  // public, which is no longer searched, so an unqualified "=" would compare as text.
  const tokens = { secret: 'test-secret-of-at-least-32-bytes!' };
  await saas.signup(
    sql,
    { email: 'Mixed.Case@example.com', password: 'correct horse', name: 'm', orgName: 'm' },
    tokens,
  );
  const session = await saas.login(sql, 'mixed.case@EXAMPLE.com', 'correct horse', tokens);
  t.ok(session, 'login by email is case-insensitive through saas.find_credentials');
});
