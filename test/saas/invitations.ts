// Invitations, on real PostgreSQL: nobody joins an org by e-mail anymore. An admin's invitation
// hands out a secret token (only its sha256 is stored); whoever presents it, signed in, joins once,
// before it expires. Before issue 12, signing up as CFO@corp.test took the admin seat offered to
// cfo@corp.test, and inviting an e-mail that had an account attached that account at once.
import { createHash } from 'node:crypto';
import t from 'tap';
import { NotFound } from '../../src/lib/core/errors.js';
import * as saas from '../../src/lib/saas/index.js';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';
import { as, expectJson, signup } from '../helpers/saas.js';

// superSql reads and ages invitations behind row-level security; sql is the request role.
const { sql, superSql } = await testDb(t, { max: 6 });
const api = await testServer(t, sql);

const owner = await signup(api, 'Corp');
const asOwner = as(api, owner);
const O = `/orgs/${owner.orgId}`;
const invite = async (email: string, role = 'member', extra: Record<string, unknown> = {}) =>
  expectJson(await asOwner(`${O}/members`, { method: 'POST', json: { email, role, ...extra } }), 202);
const accept = (who: { token: string }, token: string) =>
  as(api, who)('/invitations/accept', { method: 'POST', json: { token } });
const orgIds = async (who: { token: string }) =>
  (await expectJson(await as(api, who)('/orgs'), 200)).map((o: { id: number }) => o.id);

t.test('the takeover is gone: signing up with the invited e-mail, in another case, joins nothing', async (t) => {
  const offer = await invite('cfo@corp.test', 'admin');
  const intruder = await signup(api, 'Intruder', 'CFO@corp.test');
  t.same(await orgIds(intruder), [intruder.orgId], 'only their own org');
  t.equal((await as(api, intruder)(`${O}/members`)).status, 404, 'the org does not exist for them');
  t.match(await expectJson(await asOwner(`${O}/invitations`), 200), [{ id: offer.invitation.id }], 'still pending');
  // ...and the invitee, whoever they are, joins with the token.
  const cfo = await signup(api, 'Cfo');
  t.match(await expectJson(await accept(cfo, offer.token), 201), { id: owner.orgId, name: 'Corp org', role: 'admin' });
  t.match(await expectJson(await as(api, cfo)('/orgs'), 200), [{ id: owner.orgId, role: 'admin' }, { id: cfo.orgId }]);
  t.equal((await accept(intruder, offer.token)).status, 404, 'used up');
});

t.test('inviting an e-mail that has an account does not attach the account', async (t) => {
  const existing = await signup(api, 'Existing');
  const offer = await invite(existing.email, 'admin');
  t.same(await orgIds(existing), [existing.orgId], 'not a member before accepting');
  t.same(
    (await expectJson(await asOwner(`${O}/members`), 200)).filter(
      (m: { userId: number }) => m.userId === existing.userId,
    ),
    [],
  );
  await expectJson(await accept(existing, offer.token), 201);
  t.same((await orgIds(existing)).sort(), [owner.orgId, existing.orgId].sort());
  // Already a member: 409, and the invitation stays unused.
  const again = await invite('someone-else@corp.test');
  t.match(await expectJson(await accept(existing, again.token), 409), { constraint: 'memberships_pkey' });
  t.match(await expectJson(await asOwner(`${O}/invitations`), 200), [{ id: again.invitation.id }]);
});

t.test('the table never holds the token: only its sha256', async (t) => {
  const offer = await invite('hashed@corp.test', 'viewer');
  const rows = await superSql`select * from saas.invitations where id = ${offer.invitation.id}`;
  t.equal(rows.length, 1);
  const row = rows[0]!;
  t.same(row.token_hash, createHash('sha256').update(offer.token).digest(), 'token_hash = sha256(token)');
  const raw = Buffer.from(offer.token, 'base64url');
  for (const [column, value] of Object.entries(row)) {
    const text = Buffer.isBuffer(value) ? value.toString('hex') : String(value);
    t.notOk(text.includes(offer.token), `${column} does not contain the token`);
    t.notOk(text.includes(raw.toString('hex')), `${column} does not contain the token's bytes`);
  }
  t.notOk(
    JSON.stringify(await expectJson(await asOwner(`${O}/invitations`), 200)).includes(offer.token),
    'nor the list',
  );
});

t.test('wrong, malformed, used and missing tokens', async (t) => {
  const guest = await signup(api, 'Guest');
  const unknown = await accept(guest, 'A'.repeat(43));
  t.equal(unknown.status, 404);
  const unknownBody = await unknown.text();
  const offer = await invite('once@corp.test');
  await expectJson(await accept(guest, offer.token), 201);
  const used = await accept(guest, offer.token);
  t.equal(used.status, 404);
  t.equal(await used.text(), unknownBody, 'a used token reads exactly like one that never existed');
  t.notOk(unknownBody.includes(String(owner.orgId)) || unknownBody.includes('Corp'), 'no org named');
  for (const bad of ['', 'short', `${'A'.repeat(42)}!`, 'A'.repeat(44)])
    t.equal((await accept(guest, bad)).status, 400, `malformed ${JSON.stringify(bad)}`);
  t.equal((await as(api, guest)('/invitations/accept', { method: 'POST', json: {} })).status, 400, 'no token');
  t.equal(
    (await api.request('/saas/invitations/accept', { method: 'POST', json: { token: 'A'.repeat(43) } })).status,
    401,
    'signed in only',
  );
  await t.rejects(
    saas.acceptInvitation(sql, guest.userId, 'not a token'),
    NotFound,
    'the library checks the shape too',
  );
});

t.test('expiry: 410 once late; a new invitation to the same e-mail replaces the expired one', async (t) => {
  const late = await signup(api, 'Late');
  const offer = await invite('late@corp.test', 'member', { expiresInSeconds: 60 });
  const lifetime = Date.parse(offer.invitation.expiresAt) - Date.parse(offer.invitation.createdAt);
  t.equal(lifetime, 60_000, 'expiresInSeconds sets the lifetime');
  t.equal(
    Date.parse((await invite('default@corp.test')).invitation.expiresAt) -
      Date.parse((await expectJson(await asOwner(`${O}/invitations`), 200)).at(-1).createdAt),
    7 * 86400_000,
    '7 days by default',
  );
  // Age the invitation (as the superuser, outside row-level security).
  await superSql`update saas.invitations
               set created_at = created_at - interval '2 minutes', expires_at = expires_at - interval '2 minutes'
             where id = ${offer.invitation.id}`;
  const gone = await expectJson(await accept(late, offer.token), 410);
  t.match(gone, { status: 410, title: 'Gone' });
  t.notOk(JSON.stringify(gone).includes('Corp'), 'no org named');
  t.same(await orgIds(late), [late.orgId]);
  // Still listed (with its past expiresAt) until replaced or withdrawn.
  t.ok(
    (await expectJson(await asOwner(`${O}/invitations`), 200)).some(
      (i: { id: number }) => i.id === offer.invitation.id,
    ),
  );
  const renewed = await invite('late@corp.test', 'viewer');
  t.not(renewed.invitation.id, offer.invitation.id);
  t.equal((await accept(late, offer.token)).status, 404, 'the old token is gone with its row');
  t.match(await expectJson(await accept(late, renewed.token), 201), { id: owner.orgId, role: 'viewer' });
  // The library refuses lifetimes outside 1 minute .. 30 days before writing anything.
  await t.rejects(
    saas.inOrg(sql, owner.userId, owner.orgId, (tx) => saas.inviteMember(tx, owner.orgId, 'x@corp.test', 'member', 59)),
    RangeError,
  );
});

t.test('single use under concurrent acceptances on two real connections', async (t) => {
  const first = await signup(api, 'First');
  const second = await signup(api, 'Second');
  const offer = await invite('race@corp.test', 'admin');
  const hash = createHash('sha256').update(offer.token).digest();

  // Connection 1 accepts and keeps its transaction open, holding the invitation's row lock.
  let release!: () => void;
  const hold = new Promise<void>((r) => {
    release = r;
  });
  let accepted!: () => void;
  const firstAccepted = new Promise<void>((r) => {
    accepted = r;
  });
  const one = sql.begin(async (tx) => {
    await tx`select set_config('role', 'saas_app', true), set_config('saas.user_id', ${String(first.userId)}, true)`;
    const rows = await tx`select * from saas.accept_invitation(${hash})`;
    accepted();
    await hold;
    return rows;
  });
  await firstAccepted;
  // Connection 2 tries the same token through the library: its DELETE waits for that lock.
  const two = saas.acceptInvitation(sql, second.userId, offer.token).then(
    (org) => org,
    (e: unknown) => e,
  );
  let waiting = 0;
  for (let i = 0; i < 2000 && waiting === 0; i++) {
    const [w] = await sql`select count(*)::int as n
                            from pg_stat_activity
                           where datname = current_database() and wait_event_type = 'Lock'
                             and query like '%accept_invitation%'`;
    waiting = w!.n;
  }
  t.equal(waiting, 1, 'the second acceptance is blocked on the first');
  release();
  const [row] = await one;
  t.match(row, { org_id: String(owner.orgId), role: 'admin', expired: false });
  t.type(await two, NotFound, 'the second finds the invitation used up');
  t.same(await orgIds(second), [second.orgId]);
  t.same((await orgIds(first)).sort(), [owner.orgId, first.orgId].sort());

  // The same race, unorchestrated, over HTTP: exactly one 201 each round.
  for (let round = 0; round < 5; round++) {
    const offer = await invite(`race${round}@corp.test`);
    const a = await signup(api, `RaceA${round}`);
    const b = await signup(api, `RaceB${round}`);
    const statuses = (await Promise.all([accept(a, offer.token), accept(b, offer.token)])).map((r) => r.status);
    t.same(statuses.sort(), [201, 404], `round ${round}: one acceptance`);
  }
});

t.test('only admins invite, only owners offer owner, members and viewers cannot list', async (t) => {
  const admin = await signup(api, 'Adm');
  await expectJson(await accept(admin, (await invite(admin.email, 'admin')).token), 201);
  t.equal(
    (await as(api, admin)(`${O}/members`, { method: 'POST', json: { email: 'o@corp.test', role: 'owner' } })).status,
    403,
  );
  const viaAdmin = await expectJson(
    await as(api, admin)(`${O}/members`, { method: 'POST', json: { email: 'm@corp.test', role: 'member' } }),
    202,
  );
  t.equal(viaAdmin.invitation.invitedBy, admin.userId);
  const plain = await signup(api, 'Plain');
  await expectJson(await accept(plain, (await invite(plain.email, 'member')).token), 201);
  t.equal(
    (await as(api, plain)(`${O}/members`, { method: 'POST', json: { email: 'p@corp.test', role: 'viewer' } })).status,
    403,
  );
  t.equal((await as(api, plain)(`${O}/invitations`)).status, 403);
  t.equal((await as(api, admin)(`${O}/invitations/${viaAdmin.invitation.id}`, { method: 'DELETE' })).status, 204);
  t.equal((await accept(plain, viaAdmin.token)).status, 404, 'a withdrawn invitation cannot be accepted');
});
