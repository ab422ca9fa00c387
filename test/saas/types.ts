// Issue 12, item 2: the saas library's types make passing the pool where a tenant transaction is
// required a compile error. `npm test` typechecks this file first (tsc -p tsconfig.json): if any
// line marked @ts-expect-error compiled, tsc would fail with "Unused '@ts-expect-error' directive".
// At run time the same calls, made anyway, show what the types prevent: under forced RLS, the
// functions see nothing and refuse to write without the tenant context.
import t from 'tap';
import * as saas from '../../src/lib/saas/index.js';
import { testDb } from '../helpers/db.js';

const { sql } = await testDb(t);
const tokens = { secret: 'test-secret-of-at-least-32-bytes!' };
const s = await saas.signup(
  sql,
  { email: 'types@example.com', password: 'correct horse', name: 't', orgName: 'o' },
  tokens,
);

t.test('a tenant function given the pool does not compile; given inOrg’s transaction it works', async (t) => {
  const wrongly = async () => {
    // @ts-expect-error the pool is no TenantTx
    const projects = await saas.listProjects(sql, s.org.id);
    // @ts-expect-error nor is a transaction of one's own
    await sql.begin((tx) => saas.createTeam(tx, s.org.id, 'sneaky'));
    return projects;
  };
  const page = await wrongly().catch((err: Error) => err);
  t.ok(
    page instanceof Error || (page as saas.Page<saas.Project>).items.length === 0,
    'and forced, it sees nothing or is refused',
  );
  const team = await saas.inOrg(sql, s.user.id, s.org.id, (tx) => saas.createTeam(tx, s.org.id, 'proper'));
  t.equal(team.name, 'proper');
  t.same(
    (await saas.inOrg(sql, s.user.id, s.org.id, (tx) => saas.listTeams(tx, s.org.id))).items.map((x) => x.name),
    ['proper'],
    'the sneaky team was never written',
  );
});
