// SQL-level proof, without the library's WHERE clauses: as the request role with A's settings,
// every table shows only A's rows; with no settings nothing; writes that point at B's rows fail.
import t from 'tap';
import type postgres from 'postgres';
import { testDb } from '../helpers/db.js';
import * as saas from '../../src/lib/saas/index.js';

const { sql } = await testDb(t);
const tokens = { secret: 'test-secret-of-at-least-32-bytes!' };

// Two orgs with one of everything, built through the library.
async function tenant(tag: string) {
  const s = await saas.signup(
    sql,
    { email: `${tag}@example.com`, password: 'correct horse', name: tag, orgName: `${tag} org` },
    tokens,
  );
  const userId = s.user.id;
  const orgId = s.org.id;
  return saas.inOrg(sql, userId, orgId, async (tx) => {
    const team = await saas.createTeam(tx, orgId, `${tag} team`);
    await saas.addTeamMember(tx, orgId, team.id, userId);
    const project = await saas.createProject(tx, orgId, { teamId: team.id, name: `${tag} project` });
    const task = await saas.createTask(tx, orgId, project.id, { title: `${tag} task`, assigneeId: userId });
    await saas.inviteMember(tx, orgId, `${tag}-invitee@example.com`, 'member');
    return { userId, orgId, teamId: team.id, projectId: project.id, taskId: task.id };
  });
}
const a = await tenant('a');
const b = await tenant('b');

const tables = ['orgs', 'memberships', 'invitations', 'teams', 'team_members', 'projects', 'tasks'];

/** Runs fn as saas_app in a transaction that is rolled back, with the given settings. */
async function asApp<T>(
  settings: { user?: string; org?: string },
  fn: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  let out: T;
  await sql
    .begin(async (tx) => {
      await tx`set local role saas_app`;
      if (settings.user) await tx`select set_config('saas.user_id', ${settings.user}, true)`;
      if (settings.org) await tx`select set_config('saas.org_id', ${settings.org}, true)`;
      out = await fn(tx);
      throw Object.assign(new Error('rollback'), { rollback: true });
    })
    .catch((err) => {
      if (!err.rollback) throw err;
    });
  return out!;
}
const code = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );

t.test('the request role: no login, no BYPASSRLS, owns nothing; every table forced', async (t) => {
  const [r] = await sql`select rolcanlogin, rolbypassrls, rolsuper from pg_roles where rolname = 'saas_app'`;
  t.match(r, { rolcanlogin: false, rolbypassrls: false, rolsuper: false });
  const owned =
    await sql`select relname from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname in ('saas_app', 'saas_definer') and c.relkind = 'r'`;
  t.same(owned, [], 'no table belongs to the request or definer role');
  const rels =
    await sql`select relname, relrowsecurity, relforcerowsecurity from pg_class where relnamespace = 'saas'::regnamespace and relkind = 'r' and relname <> 'settings' order by relname`;
  t.equal(rels.length, 8);
  for (const rel of rels)
    t.match(rel, { relrowsecurity: true, relforcerowsecurity: true }, `${rel.relname}: RLS enabled and forced`);
});

t.test('saas.settings (the token signing key) is out of reach of the request and definer roles', async (t) => {
  const [p] =
    await sql`select has_table_privilege('saas_app', 'saas.settings', 'select, insert, update, delete') as app,
                               has_table_privilege('saas_definer', 'saas.settings', 'select, insert, update, delete') as definer`;
  t.same(p, { app: false, definer: false });
  t.equal(
    await asApp({ user: a.userId, org: a.orgId }, (tx) => tx`select value from saas.settings`).then(
      () => 'read',
      (e: { code?: string }) => e.code,
    ),
    '42501',
    'a request reading it is refused',
  );
});

t.test('no settings: no rows anywhere', async (t) => {
  const counts = await asApp({}, async (tx) =>
    Promise.all(
      [...tables, 'users'].map(async (tb) => (await tx.unsafe(`select count(*)::int as n from saas.${tb}`))[0]!.n),
    ),
  );
  t.same(counts, [0, 0, 0, 0, 0, 0, 0, 0]);
  const onlyUser = await asApp({ user: a.userId }, async (tx) =>
    Promise.all(
      tables.slice(1).map(async (tb) => (await tx.unsafe(`select count(*)::int as n from saas.${tb}`))[0]!.n),
    ),
  );
  t.same(onlyUser, [0, 0, 0, 0, 0, 0], 'a user without an org sees no tenant rows');
});

t.test("A's settings: only A's rows in every table, even with no WHERE", async (t) => {
  await asApp({ user: a.userId, org: a.orgId }, async (tx) => {
    for (const tb of tables) {
      const col = tb === 'orgs' ? 'id' : 'org_id';
      const rows = await tx.unsafe(`select distinct ${col}::text as org from saas.${tb}`);
      t.same(
        rows.map((r) => r.org),
        [a.orgId],
        `${tb}: only A`,
      );
    }
    const users = await tx`select id::text from saas.users`;
    t.same(
      users.map((r) => r.id),
      [a.userId],
      "users: only A's members",
    );
    t.equal(await code(tx`select password_hash from saas.users`), '42501', 'password hashes are not readable at all');
  });
});

t.test("A's user claiming B's org in the settings sees nothing of B", async (t) => {
  await asApp({ user: a.userId, org: b.orgId }, async (tx) => {
    for (const tb of tables.slice(1)) {
      t.equal((await tx.unsafe(`select count(*)::int as n from saas.${tb}`))[0]!.n, 0, `${tb}: nothing`);
    }
    t.same(
      (await tx`select id::text from saas.orgs`).map((r) => r.id),
      [a.orgId],
      'orgs lists only their own',
    );
    t.equal((await tx`update saas.tasks set title = 'pwned'`).count, 0);
    t.equal((await tx`delete from saas.tasks`).count, 0);
  });
});

t.test('writes that point at B fail', async (t) => {
  await asApp({ user: a.userId, org: a.orgId }, async (tx) => {
    const s = async (p: Promise<unknown>) => {
      await tx`savepoint s`;
      const c = await code(p);
      await tx`rollback to savepoint s`;
      return c;
    };
    t.equal(
      await s(
        tx`insert into saas.tasks (org_id, team_id, project_id, title) values (${a.orgId}, ${b.teamId}, ${b.projectId}, 'x')`,
      ),
      '23503',
      "A task in B's project: composite key",
    );
    t.equal(
      await s(
        tx`insert into saas.tasks (org_id, team_id, project_id, title) values (${b.orgId}, ${b.teamId}, ${b.projectId}, 'x')`,
      ),
      '42501',
      'a row in B: policy',
    );
    t.equal(
      await s(
        tx`insert into saas.tasks (org_id, team_id, project_id, title, assignee_id) values (${a.orgId}, ${a.teamId}, ${a.projectId}, 'x', ${b.userId})`,
      ),
      '23503',
      "B's user as assignee",
    );
    t.equal(
      await s(tx`update saas.tasks set org_id = ${b.orgId} where id = ${a.taskId}`),
      '42501',
      'moving a row to B',
    );
    t.equal(
      await s(tx`update saas.tasks set project_id = ${b.projectId} where id = ${a.taskId}`),
      '23503',
      "pointing a task at B's project",
    );
    t.equal(
      await s(tx`update saas.projects set team_id = ${b.teamId} where id = ${a.projectId}`),
      '23503',
      "moving a project to B's team",
    );
    t.equal(
      await s(
        tx`insert into saas.team_members (org_id, team_id, user_id) values (${a.orgId}, ${a.teamId}, ${b.userId})`,
      ),
      '23503',
      "B's user in A's team",
    );
    t.equal(
      await s(
        tx`insert into saas.team_members (org_id, team_id, user_id) values (${a.orgId}, ${b.teamId}, ${a.userId})`,
      ),
      '23503',
      "A's user in B's team",
    );
    t.equal(
      await s(tx`insert into saas.memberships (org_id, user_id, role) values (${b.orgId}, ${a.userId}, 'owner')`),
      '42501',
      'joining B',
    );
    t.equal(await s(tx`insert into saas.teams (org_id, name) values (${b.orgId}, 'x')`), '42501');
    t.equal(
      await s(tx`insert into saas.orgs (name) values ('x')`),
      '42501',
      'orgs are created only through create_org()',
    );
    t.equal(
      await s(tx`insert into saas.users (email, name, password_hash) values ('x@example.com', 'x', 'x')`),
      '42501',
      'users only through signup()',
    );
  });
});

t.test('definer helpers reveal nothing beyond the caller', async (t) => {
  await asApp({ user: a.userId, org: a.orgId }, async (tx) => {
    const [r] =
      await tx`select saas.current_org_role()::text as role, saas.current_team_ids()::text[] as teams, saas.my_org_ids()::text[] as orgs`;
    t.match(r, { role: 'owner', teams: [a.teamId], orgs: [a.orgId] });
  });
  await asApp({ user: a.userId, org: b.orgId }, async (tx) => {
    const [u] = await tx`select saas.current_org_role() as role`;
    t.match(u, { role: null }, 'outside your org: no role');
    const [f] = await tx`select count(*)::int as n from pg_proc where proname = 'user_id_by_email'`;
    t.equal(f!.n, 0, 'no helper looks accounts up by e-mail anymore');
  });
  await asApp({}, async (tx) => {
    // B's pending invitation exists, but without its token and a user nothing is accepted or shown.
    const rows = await tx`select * from saas.accept_invitation(sha256('guess'::bytea))`;
    t.same(rows, [], 'a guessed token names nothing');
  });
});

t.test('pooled connections keep no role or settings after a request', async (t) => {
  await saas.inOrg(sql, a.userId, a.orgId, async (tx) => saas.listTasks(tx, a.orgId));
  const rows = await Promise.all(
    Array.from(
      { length: 10 },
      () =>
        sql`select current_user as u, coalesce(current_setting('saas.user_id', true), '') as s, coalesce(current_setting('saas.org_id', true), '') as o`,
    ),
  );
  for (const [r] of rows) t.match(r, { s: '', o: '' });
  t.notOk(rows.some(([r]) => r!.u === 'saas_app'));
});

t.test('roles are cluster-wide: migrating a second database leaves them as they are', async (t) => {
  // The test database itself is a clone of the migrated template; the roles pre-existed it.
  const [r] = await sql`select count(*)::int as n from pg_roles where rolname in ('saas_app', 'saas_definer')`;
  t.equal(r!.n, 2);
  const [m] = await sql`select pg_has_role(current_user, 'saas_app', 'member') as m`;
  t.equal(m!.m, true, 'the connecting user can set role saas_app');
});
