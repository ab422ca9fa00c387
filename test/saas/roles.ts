// Role tests: one org with an owner, an admin, two members (one in team T1, one in no team) and a
// viewer; every permission the policies encode, allowed and refused.
import t from 'tap';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';
import { as, expectJson, join as joinOrg, signup, type Session } from '../helpers/saas.js';

const { sql } = await testDb(t);
const api = await testServer(t, sql);

const owner = await signup(api, 'Owner');
const O = `/orgs/${owner.orgId}`;
const asOwner = as(api, owner);
async function join(tag: string, role: string): Promise<Session> {
  const s = await signup(api, tag);
  await joinOrg(api, owner, owner.orgId, s, role);
  return s;
}
const admin = await join('Admin', 'admin');
const member = await join('Member', 'member');
const loner = await join('Loner', 'member');
const viewer = await join('Viewer', 'viewer');
const t1 = await expectJson(await asOwner(`${O}/teams`, { method: 'POST', json: { name: 'T1' } }), 201);
const t2 = await expectJson(await asOwner(`${O}/teams`, { method: 'POST', json: { name: 'T2' } }), 201);
await expectJson(
  await asOwner(`${O}/teams/${t1.id}/members`, { method: 'POST', json: { userId: member.userId } }),
  201,
);
const p1 = await expectJson(
  await asOwner(`${O}/projects`, { method: 'POST', json: { name: 'P1', teamId: t1.id } }),
  201,
);
const p2 = await expectJson(
  await asOwner(`${O}/projects`, { method: 'POST', json: { name: 'P2', teamId: t2.id } }),
  201,
);
const k1 = await expectJson(
  await asOwner(`${O}/projects/${p1.id}/tasks`, { method: 'POST', json: { title: 'k1', assigneeId: member.userId } }),
  201,
);
const k2 = await expectJson(
  await asOwner(`${O}/projects/${p2.id}/tasks`, { method: 'POST', json: { title: 'k2' } }),
  201,
);

const status = async (who: Session, path: string, method = 'GET', json?: unknown) =>
  (await as(api, who)(path, { method, ...(json !== undefined ? { json } : {}) })).status;

t.test('everyone reads everything in the org (but invitations)', async (t) => {
  for (const who of [owner, admin, member, loner, viewer]) {
    for (const path of [
      O,
      `${O}/members`,
      `${O}/teams`,
      `${O}/teams/${t1.id}/members`,
      `${O}/projects`,
      `${O}/projects/${p2.id}`,
      `${O}/projects/${p1.id}/tasks`,
      `${O}/tasks`,
      `${O}/tasks/${k2.id}`,
      `${O}/my/tasks`,
    ]) {
      t.equal(await status(who, path), 200, `${who.email} GET ${path}`);
    }
  }
  t.equal(await status(admin, `${O}/invitations`), 200);
  t.equal(await status(member, `${O}/invitations`), 403);
  t.equal(await status(viewer, `${O}/invitations`), 403);
});

t.test('viewer: reads only', async (t) => {
  t.equal(await status(viewer, `${O}/projects/${p1.id}/tasks`, 'POST', { title: 'x' }), 403);
  t.equal(await status(viewer, `${O}/tasks/${k1.id}`, 'PATCH', { status: 'done' }), 403);
  t.equal(await status(viewer, `${O}/tasks/${k1.id}`, 'DELETE'), 403);
  t.equal(await status(viewer, `${O}/projects`, 'POST', { name: 'x', teamId: t1.id }), 403);
  t.equal(await status(viewer, `${O}/teams`, 'POST', { name: 'x' }), 403);
});

t.test('member: writes projects and tasks of their teams only', async (t) => {
  const mine = await expectJson(
    await as(api, member)(`${O}/projects`, { method: 'POST', json: { name: 'mine', teamId: t1.id } }),
    201,
  );
  t.equal(await status(member, `${O}/projects`, 'POST', { name: 'theirs', teamId: t2.id }), 403);
  t.equal(
    await status(member, `${O}/projects/${mine.id}`, 'PATCH', { teamId: t2.id }),
    403,
    'cannot move a project out of their teams',
  );
  t.equal(await status(member, `${O}/projects/${p2.id}`, 'PATCH', { name: 'x' }), 403);
  t.equal(await status(member, `${O}/projects/${p2.id}`, 'DELETE'), 403);
  const task = await expectJson(
    await as(api, member)(`${O}/projects/${p1.id}/tasks`, { method: 'POST', json: { title: 'ok' } }),
    201,
  );
  t.equal(await status(member, `${O}/tasks/${task.id}`, 'PATCH', { status: 'doing' }), 200);
  t.equal(await status(member, `${O}/tasks/${task.id}`, 'DELETE'), 204);
  t.equal(await status(member, `${O}/projects/${p2.id}/tasks`, 'POST', { title: 'no' }), 403);
  t.equal(await status(member, `${O}/tasks/${k2.id}`, 'PATCH', { status: 'done' }), 403);
  t.equal(await status(member, `${O}/tasks/${k2.id}`, 'DELETE'), 403);
  t.equal(await status(member, `${O}/projects/${mine.id}`, 'DELETE'), 204);
  t.same(
    (await expectJson(await as(api, member)(`${O}/my/tasks`), 200)).map((x: { id: number }) => x.id),
    [k1.id],
  );
  t.equal(
    await status(loner, `${O}/projects/${p1.id}/tasks`, 'POST', { title: 'no team' }),
    403,
    'a member in no team writes nothing',
  );
});

t.test('member: no team or member management, no org changes', async (t) => {
  t.equal(await status(member, `${O}/teams`, 'POST', { name: 'x' }), 403);
  t.equal(await status(member, `${O}/teams/${t1.id}`, 'PATCH', { name: 'x' }), 403);
  t.equal(await status(member, `${O}/teams/${t1.id}`, 'DELETE'), 403);
  t.equal(await status(member, `${O}/teams/${t1.id}/members`, 'POST', { userId: loner.userId }), 403);
  t.equal(await status(member, `${O}/teams/${t1.id}/members/${member.userId}`, 'DELETE'), 403);
  t.equal(await status(member, `${O}/members`, 'POST', { email: 'z@example.com', role: 'viewer' }), 403);
  t.equal(await status(member, `${O}/members/${viewer.userId}`, 'PATCH', { role: 'admin' }), 403);
  t.equal(await status(member, `${O}/members/${viewer.userId}`, 'DELETE'), 403);
  t.equal(await status(member, O, 'PATCH', { name: 'x' }), 403);
  t.equal(await status(member, O, 'DELETE'), 403);
});

t.test('admin: teams, team members, members below owner, invitations, all projects and tasks', async (t) => {
  const team = await expectJson(await as(api, admin)(`${O}/teams`, { method: 'POST', json: { name: 'T3' } }), 201);
  t.equal(await status(admin, `${O}/teams/${team.id}`, 'PATCH', { name: 'T3b' }), 200);
  t.equal(await status(admin, `${O}/teams/${team.id}/members`, 'POST', { userId: loner.userId }), 201);
  t.equal(await status(admin, `${O}/teams/${team.id}/members/${loner.userId}`, 'DELETE'), 204);
  t.equal(await status(admin, `${O}/teams/${team.id}`, 'DELETE'), 204);
  t.equal(await status(admin, `${O}/projects`, 'POST', { name: 'any team', teamId: t2.id }), 201);
  t.equal(await status(admin, `${O}/tasks/${k2.id}`, 'PATCH', { status: 'doing' }), 200);
  const extra = await signup(api, 'Extra');
  await joinOrg(api, admin, owner.orgId, extra, 'admin');
  t.equal(await status(admin, `${O}/members/${extra.userId}`, 'PATCH', { role: 'viewer' }), 200);
  t.equal(await status(admin, `${O}/members/${extra.userId}`, 'DELETE'), 204);
  t.equal(
    await status(admin, `${O}/members`, 'POST', { email: extra.email, role: 'owner' }),
    403,
    'only owners make owners',
  );
  t.equal(
    await status(admin, `${O}/members`, 'POST', { email: 'invitee@example.com', role: 'owner' }),
    403,
    'nor invite owners',
  );
  t.equal(await status(admin, `${O}/members/${viewer.userId}`, 'PATCH', { role: 'owner' }), 403);
  t.equal(
    await status(admin, `${O}/members/${owner.userId}`, 'PATCH', { role: 'viewer' }),
    403,
    'admins cannot touch owners',
  );
  t.equal(await status(admin, `${O}/members/${owner.userId}`, 'DELETE'), 403);
  t.equal(await status(admin, O, 'PATCH', { name: 'x' }), 403);
  t.equal(await status(admin, O, 'DELETE'), 403);
});

t.test('anyone may leave; the owner manages owners and the org', async (t) => {
  t.equal(await status(loner, `${O}/members/${loner.userId}`, 'DELETE'), 204, 'leave');
  t.equal(await status(loner, O), 404, 'and the org is gone for them');
  t.equal(await status(owner, `${O}/members/${admin.userId}`, 'PATCH', { role: 'owner' }), 200);
  t.equal(
    await status(admin, `${O}/members/${owner.userId}`, 'PATCH', { role: 'member' }),
    200,
    'a second owner may demote the first',
  );
  t.equal(await status(admin, `${O}/members/${admin.userId}`, 'DELETE'), 422, 'but the last owner may not leave');
  t.equal(await status(admin, O, 'PATCH', { name: 'Renamed' }), 200);
  t.equal(await status(admin, O, 'DELETE'), 204);
  t.equal(await status(admin, O), 404);
  t.same(
    await expectJson(await as(api, viewer)('/orgs'), 200).then((o: { id: number }[]) => o.map((x) => x.id)),
    [viewer.orgId],
    'the org is gone for everyone',
  );
});
