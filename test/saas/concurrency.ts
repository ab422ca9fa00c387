// Concurrency claims, on real concurrent connections:
// - two owners demoting each other at the same time cannot leave the org without an owner;
// - concurrent signups with one email create one account;
// - interleaved requests of two tenants on one pool never see each other's rows.
import t from 'tap';
import { testDb } from '../helpers/db.js';
import { CheckViolation, UniqueViolation } from '../../src/lib/core/errors.js';
import * as saas from '../../src/lib/saas/index.js';

// superSql inspects what RLS hides from the request role (every membership of an org, every user).
const { sql, superSql } = await testDb(t, { max: 6 });
const tokens = { secret: 'test-secret-of-at-least-32-bytes!' };
const user = (tag: string) => ({
  email: `${tag}@example.com`,
  password: 'correct horse',
  name: tag,
  orgName: `${tag} org`,
});

t.test('two owners demote each other at once: exactly one wins, an owner remains', async (t) => {
  const a = await saas.signup(sql, user('ann'), tokens);
  const b = await saas.signup(sql, user('ben'), tokens);
  const org = a.org.id;
  const invited = await saas.inOrg(sql, a.user.id, org, (tx) => saas.inviteMember(tx, org, 'ben@example.com', 'owner'));
  await saas.acceptInvitation(sql, b.user.id, invited.token);

  let release!: () => void;
  const hold = new Promise<void>((resolve) => {
    release = resolve;
  });
  let demoted!: () => void;
  const firstDemoted = new Promise<void>((resolve) => {
    demoted = resolve;
  });
  // Ann demotes Ben and keeps her transaction open (holding the org row lock of the trigger).
  const first = saas.inOrg(sql, a.user.id, org, async (tx) => {
    await saas.updateMember(tx, org, b.user.id, 'admin');
    demoted();
    await hold;
  });
  await firstDemoted;
  // Ben, still an owner in his snapshot, demotes Ann: his trigger waits for Ann's lock.
  const second = saas
    .inOrg(sql, b.user.id, org, (tx) => saas.updateMember(tx, org, a.user.id, 'admin'))
    .then(
      () => 'ok',
      (e) => e,
    );
  // Wait until the second transaction is really blocked on a lock, then let the first commit.
  for (let i = 0; i < 200; i++) {
    const [w] =
      await sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
    if (w!.n > 0) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  release();
  await first;
  const outcome = await second;
  t.type(outcome, CheckViolation, 'the second demotion is refused');
  t.equal((outcome as CheckViolation).constraint, 'memberships_one_owner');
  const [owners] =
    await superSql`select count(*)::int as n from saas.memberships where org_id = ${org} and role = 'owner'`;
  t.equal(owners!.n, 1, 'one owner remains');
});

t.test('the same race, unorchestrated, many times: never zero owners', async (t) => {
  for (let round = 0; round < 5; round++) {
    const a = await saas.signup(sql, user(`r${round}a`), tokens);
    const b = await saas.signup(sql, user(`r${round}b`), tokens);
    const org = a.org.id;
    const invited = await saas.inOrg(sql, a.user.id, org, (tx) =>
      saas.inviteMember(tx, org, `r${round}b@example.com`, 'owner'),
    );
    await saas.acceptInvitation(sql, b.user.id, invited.token);
    const results = await Promise.allSettled([
      saas.inOrg(sql, a.user.id, org, (tx) => saas.updateMember(tx, org, b.user.id, 'member')),
      saas.inOrg(sql, b.user.id, org, (tx) => saas.updateMember(tx, org, a.user.id, 'member')),
    ]);
    const [owners] =
      await superSql`select count(*)::int as n from saas.memberships where org_id = ${org} and role = 'owner'`;
    t.ok(
      owners!.n >= 1,
      `round ${round}: ${owners!.n} owner(s), ${results.filter((r) => r.status === 'fulfilled').length} demotion(s) applied`,
    );
  }
});

t.test('concurrent signups with one email: one account', async (t) => {
  const results = await Promise.allSettled(
    Array.from({ length: 5 }, (_, i) => saas.signup(sql, { ...user('same'), orgName: `org ${i}` }, tokens)),
  );
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of results) if (r.status === 'rejected') t.type(r.reason, UniqueViolation);
  const [n] = await superSql`select count(*)::int as n from saas.users where email = 'same@example.com'`;
  t.equal(n!.n, 1);
  const [orgs] = await superSql`select count(*)::int as n from saas.orgs where name like 'org %'`;
  t.equal(orgs!.n, 1, 'the losers left no org behind');
});

t.test("interleaved tenants on one pool: every answer is its own tenant's", async (t) => {
  const tenants = await Promise.all(
    ['x', 'y', 'z'].map(async (tag) => {
      const s = await saas.signup(sql, user(`tenant-${tag}`), tokens);
      await saas.inOrg(sql, s.user.id, s.org.id, async (tx) => {
        const team = await saas.createTeam(tx, s.org.id, 'team');
        const p = await saas.createProject(tx, s.org.id, { teamId: team.id, name: 'p' });
        for (let i = 0; i < 5; i++) await saas.createTask(tx, s.org.id, p.id, { title: `${tag}-${i}` });
      });
      return { tag, userId: s.user.id, orgId: s.org.id };
    }),
  );
  const calls = Array.from({ length: 60 }, (_, i) => tenants[i % 3]!).map((tn) =>
    saas.inOrg(sql, tn.userId, tn.orgId, (tx) => saas.listTasks(tx, tn.orgId)).then((page) => ({ tn, page })),
  );
  for (const { tn, page } of await Promise.all(calls)) {
    t.equal(page.items.length, 5);
    t.ok(
      page.items.every((x) => x.title.startsWith(`${tn.tag}-`)),
      `tenant ${tn.tag}: own rows only`,
    );
  }
});
