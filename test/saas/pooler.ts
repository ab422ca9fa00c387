// saas behind a transaction-mode PgBouncer with ONE server connection: every request of every tenant
// runs on the same PostgreSQL session, one transaction after another. Its role (saas_app) and tenant
// settings (saas.user_id, saas.org_id) are transaction-local (sql/saas/set_context.sql), so two tenants'
// interleaved requests each see only their own org, and the session is left as it was found. A
// session-level setting, by contrast, does cross to the next client: shown first, so that the
// checks below are known to be able to see a leak.
import t from 'tap';
import { connect } from '../../src/lib/core/db.js';
import { rolePasswords, serverUrl, testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';
import { pgbouncerBinary, startPgBouncer } from '../helpers/pgbouncer.js';
import { as, expectJson, signup } from '../helpers/saas.js';

if (!pgbouncerBinary() && !process.env.CI) {
  t.plan(0, 'pgbouncer is not installed (apt-get install pgbouncer): CI installs it and runs this test');
} else {
  const { directUrl, superSql, name } = await testDb(t);
  const pgbouncer = await startPgBouncer({
    server: serverUrl(),
    poolSize: 1,
    users: { pggrind_app: rolePasswords().request },
  });
  t.teardown(() => pgbouncer.stop());
  // Four client connections, one server connection; unprepared, as PgBouncer 1.18 needs.
  const sql = connect(pgbouncer.through(directUrl), { max: 4, prepare: false, applicationName: 'pg-grind-pooled' });
  t.teardown(() => sql.end({ timeout: 1 }));
  const api = await testServer(t, sql);

  t.test('the four clients share one server session: a session-level setting would leak', async (t) => {
    // Four statements at once, on four client connections: PgBouncer runs them one after another on
    // its only server connection.
    const pids = await Promise.all([1, 2, 3, 4].map(() => sql`select pg_backend_pid() as pid`));
    t.equal(new Set(pids.map(([r]) => r!.pid)).size, 1, 'one backend served all four clients');
    const [held] = await superSql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where datname = ${name} and usename = 'pggrind_app'`;
    t.equal(held!.n, 1, 'PostgreSQL sees one pggrind_app session');
    // is_local = false: outlives its transaction, so another client finds it.
    await sql.begin(async (tx) => {
      await tx`select set_config('saas.org_id', '-1', false)`;
    });
    const others = await Promise.all([1, 2, 3, 4].map(() => sql`select current_setting('saas.org_id', true) as v`));
    t.same(
      others.map(([r]) => r!.v),
      ['-1', '-1', '-1', '-1'],
      'every client sees it: this is the leak the design must avoid',
    );
    await sql`select set_config('saas.org_id', '', false)`;
  });

  t.test("two tenants' requests interleaved on one server connection see only their own org", async (t) => {
    const alice = await signup(api, 'TenantA');
    const bob = await signup(api, 'TenantB');
    const asAlice = as(api, alice);
    const asBob = as(api, bob);
    const setup = async (call: typeof asAlice, org: number, tag: string) => {
      const team = await expectJson(
        await call(`/orgs/${org}/teams`, { method: 'POST', json: { name: `${tag} team` } }),
        201,
      );
      const project = await expectJson(
        await call(`/orgs/${org}/projects`, { method: 'POST', json: { name: `${tag} project`, teamId: team.id } }),
        201,
      );
      return project.id as number;
    };
    const projectA = await setup(asAlice, alice.orgId, 'TenantA');
    const projectB = await setup(asBob, bob.orgId, 'TenantB');

    // 60 requests at once, alternating tenants: lists, own reads, and reads of the other's project.
    const calls = Array.from({ length: 60 }, (_, i) => {
      const [call, me, org, mine, theirs] =
        i % 2
          ? [asBob, 'TenantB', bob.orgId, projectB, projectA]
          : [asAlice, 'TenantA', alice.orgId, projectA, projectB];
      const kind = Math.floor(i / 2) % 3;
      return (async () => {
        if (kind === 0) {
          const list = await expectJson<{ id: number; name: string }[]>(await call(`/orgs/${org}/projects`), 200);
          return { me, ok: list.length === 1 && list[0]!.id === mine && list[0]!.name === `${me} project` };
        }
        if (kind === 1) {
          const own = await expectJson<{ id: number; name: string }>(await call(`/orgs/${org}/projects/${mine}`), 200);
          return { me, ok: own.name === `${me} project` };
        }
        // The other tenant's project under one's own org: RLS hides it, exactly as a missing one.
        const res = await call(`/orgs/${org}/projects/${theirs}`);
        const text = await res.text();
        return { me, ok: res.status === 404 && !text.includes(me === 'TenantA' ? 'TenantB' : 'TenantA') };
      })();
    });
    const results = await Promise.all(calls);
    t.equal(results.filter((r) => !r.ok).length, 0, 'every response carries its own tenant only', {
      failed: results.filter((r) => !r.ok),
    });

    // The one server session afterwards: back to pggrind_app, no tenant, as every next client gets it.
    const after = await Promise.all(
      [1, 2, 3, 4].map(
        () => sql`select pg_backend_pid() as pid, current_user as role,
                         coalesce(current_setting('saas.org_id', true), '') as org,
                         coalesce(current_setting('saas.user_id', true), '') as "user"`,
      ),
    );
    t.equal(new Set(after.map(([r]) => r!.pid)).size, 1, 'still one backend');
    t.same(
      after.map(([r]) => ({ role: r!.role, org: r!.org, user: r!.user })),
      Array(4).fill({ role: 'pggrind_app', org: '', user: '' }),
      'no role and no tenant setting outlived its transaction',
    );
  });
}
