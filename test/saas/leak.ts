// The leak suite: two orgs with data; a member of org A sends org B's ids in the path, the query
// and body references of every endpoint. Each attempt answers 403/404/422 (or an empty list),
// a B id answers exactly what a missing id answers, no response carries a byte of B's data, and
// B's data is unchanged afterwards.
import t from 'tap';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';
import { as, expectJson, join, signup } from '../helpers/saas.js';

const { sql } = await testDb(t);
const api = await testServer(t, sql);

// Org B: every name carries the marker, so any leaked byte of B's data is greppable.
const MARK = 'SECRETB';
const bob = await signup(api, MARK);
const bobMate = await signup(api, `${MARK}mate`);
const asBob = as(api, bob);
const B = `/orgs/${bob.orgId}`;
await join(api, bob, bob.orgId, bobMate, 'member');
const invB = (
  await expectJson(
    await asBob(`${B}/members`, {
      method: 'POST',
      json: { email: `${MARK.toLowerCase()}-invitee@example.com`, role: 'member' },
    }),
    202,
  )
).invitation;
const teamB = await expectJson(await asBob(`${B}/teams`, { method: 'POST', json: { name: `${MARK} team` } }), 201);
await expectJson(await asBob(`${B}/teams/${teamB.id}/members`, { method: 'POST', json: { userId: bob.userId } }), 201);
const projectB = await expectJson(
  await asBob(`${B}/projects`, { method: 'POST', json: { name: `${MARK} project`, teamId: teamB.id } }),
  201,
);
const taskB = await expectJson(
  await asBob(`${B}/projects/${projectB.id}/tasks`, {
    method: 'POST',
    json: { title: `${MARK} task`, assigneeId: bob.userId },
  }),
  201,
);

// Org A: alice is its owner (the strongest role: if she cannot reach B, nobody in A can).
const alice = await signup(api, 'Alice');
const asAlice = as(api, alice);
const A = `/orgs/${alice.orgId}`;
const teamA = await expectJson(await asAlice(`${A}/teams`, { method: 'POST', json: { name: 'A team' } }), 201);
const projectA = await expectJson(
  await asAlice(`${A}/projects`, { method: 'POST', json: { name: 'A project', teamId: teamA.id } }),
  201,
);
const taskA = await expectJson(
  await asAlice(`${A}/projects/${projectA.id}/tasks`, { method: 'POST', json: { title: 'A task' } }),
  201,
);

const MISSING = 2 ** 40; // an id no table has

interface Attempt {
  method: string;
  path: string;
  json?: unknown;
  expect: number[];
  missing?: string;
  missingJson?: unknown;
}
// `missing`: the same request with the B id replaced by an id that exists nowhere: it must
// answer byte for byte the same.
const attempts: Attempt[] = [
  // B's org in the path
  { method: 'GET', path: `${B}`, expect: [404], missing: `/orgs/${MISSING}` },
  { method: 'PATCH', path: `${B}`, json: { name: 'pwned' }, expect: [404], missing: `/orgs/${MISSING}` },
  { method: 'DELETE', path: `${B}`, expect: [404], missing: `/orgs/${MISSING}` },
  { method: 'GET', path: `${B}/members`, expect: [404], missing: `/orgs/${MISSING}/members` },
  {
    method: 'POST',
    path: `${B}/members`,
    json: { email: alice.email, role: 'owner' },
    expect: [404],
    missing: `/orgs/${MISSING}/members`,
  },
  {
    method: 'PATCH',
    path: `${B}/members/${bob.userId}`,
    json: { role: 'viewer' },
    expect: [404],
    missing: `/orgs/${MISSING}/members/${bob.userId}`,
  },
  {
    method: 'DELETE',
    path: `${B}/members/${bob.userId}`,
    expect: [404],
    missing: `/orgs/${MISSING}/members/${bob.userId}`,
  },
  { method: 'GET', path: `${B}/invitations`, expect: [404], missing: `/orgs/${MISSING}/invitations` },
  {
    method: 'DELETE',
    path: `${B}/invitations/${invB.id}`,
    expect: [404],
    missing: `/orgs/${MISSING}/invitations/${invB.id}`,
  },
  { method: 'GET', path: `${B}/teams`, expect: [404], missing: `/orgs/${MISSING}/teams` },
  { method: 'POST', path: `${B}/teams`, json: { name: 'x' }, expect: [404], missing: `/orgs/${MISSING}/teams` },
  { method: 'GET', path: `${B}/teams/${teamB.id}`, expect: [404] },
  { method: 'GET', path: `${B}/teams/${teamB.id}/members`, expect: [404] },
  { method: 'GET', path: `${B}/projects`, expect: [404] },
  { method: 'POST', path: `${B}/projects`, json: { name: 'x', teamId: teamB.id }, expect: [404] },
  { method: 'GET', path: `${B}/projects/${projectB.id}`, expect: [404] },
  { method: 'GET', path: `${B}/projects/${projectB.id}/tasks`, expect: [404] },
  { method: 'POST', path: `${B}/projects/${projectB.id}/tasks`, json: { title: 'x' }, expect: [404] },
  { method: 'GET', path: `${B}/tasks`, expect: [404] },
  { method: 'GET', path: `${B}/my/tasks`, expect: [404] },
  { method: 'GET', path: `${B}/tasks/${taskB.id}`, expect: [404] },
  { method: 'PATCH', path: `${B}/tasks/${taskB.id}`, json: { title: 'pwned' }, expect: [404] },
  { method: 'DELETE', path: `${B}/tasks/${taskB.id}`, expect: [404] },
  // B's rows under A's org in the path
  {
    method: 'PATCH',
    path: `${A}/members/${bob.userId}`,
    json: { role: 'viewer' },
    expect: [404],
    missing: `${A}/members/${MISSING}`,
  },
  { method: 'DELETE', path: `${A}/members/${bob.userId}`, expect: [404], missing: `${A}/members/${MISSING}` },
  { method: 'DELETE', path: `${A}/invitations/${invB.id}`, expect: [404], missing: `${A}/invitations/${MISSING}` },
  { method: 'GET', path: `${A}/teams/${teamB.id}`, expect: [404], missing: `${A}/teams/${MISSING}` },
  {
    method: 'PATCH',
    path: `${A}/teams/${teamB.id}`,
    json: { name: 'pwned' },
    expect: [404],
    missing: `${A}/teams/${MISSING}`,
  },
  { method: 'DELETE', path: `${A}/teams/${teamB.id}`, expect: [404], missing: `${A}/teams/${MISSING}` },
  { method: 'GET', path: `${A}/teams/${teamB.id}/members`, expect: [404], missing: `${A}/teams/${MISSING}/members` },
  {
    method: 'POST',
    path: `${A}/teams/${teamB.id}/members`,
    json: { userId: alice.userId },
    expect: [404],
    missing: `${A}/teams/${MISSING}/members`,
  },
  {
    method: 'DELETE',
    path: `${A}/teams/${teamB.id}/members/${bob.userId}`,
    expect: [404],
    missing: `${A}/teams/${MISSING}/members/${bob.userId}`,
  },
  { method: 'GET', path: `${A}/projects/${projectB.id}`, expect: [404], missing: `${A}/projects/${MISSING}` },
  {
    method: 'PATCH',
    path: `${A}/projects/${projectB.id}`,
    json: { name: 'pwned' },
    expect: [404],
    missing: `${A}/projects/${MISSING}`,
  },
  { method: 'DELETE', path: `${A}/projects/${projectB.id}`, expect: [404], missing: `${A}/projects/${MISSING}` },
  {
    method: 'GET',
    path: `${A}/projects/${projectB.id}/tasks`,
    expect: [404],
    missing: `${A}/projects/${MISSING}/tasks`,
  },
  {
    method: 'POST',
    path: `${A}/projects/${projectB.id}/tasks`,
    json: { title: 'x' },
    expect: [404],
    missing: `${A}/projects/${MISSING}/tasks`,
  },
  { method: 'GET', path: `${A}/tasks/${taskB.id}`, expect: [404], missing: `${A}/tasks/${MISSING}` },
  {
    method: 'PATCH',
    path: `${A}/tasks/${taskB.id}`,
    json: { status: 'done' },
    expect: [404],
    missing: `${A}/tasks/${MISSING}`,
  },
  { method: 'DELETE', path: `${A}/tasks/${taskB.id}`, expect: [404], missing: `${A}/tasks/${MISSING}` },
  // B's ids in body references
  {
    method: 'POST',
    path: `${A}/teams/${teamA.id}/members`,
    json: { userId: bob.userId },
    expect: [422],
    missingJson: { userId: MISSING },
  },
  {
    method: 'POST',
    path: `${A}/projects`,
    json: { name: 'x', teamId: teamB.id },
    expect: [422],
    missingJson: { name: 'x', teamId: MISSING },
  },
  {
    method: 'PATCH',
    path: `${A}/projects/${projectA.id}`,
    json: { teamId: teamB.id },
    expect: [422],
    missingJson: { teamId: MISSING },
  },
  {
    method: 'POST',
    path: `${A}/projects/${projectA.id}/tasks`,
    json: { title: 'x', assigneeId: bob.userId },
    expect: [422],
    missingJson: { title: 'x', assigneeId: MISSING },
  },
  {
    method: 'PATCH',
    path: `${A}/tasks/${taskA.id}`,
    json: { assigneeId: bob.userId },
    expect: [422],
    missingJson: { assigneeId: MISSING },
  },
];

const leaks = (text: string) =>
  text.includes(MARK) || text.toLowerCase().includes(MARK.toLowerCase()) || text.includes(bob.email);

t.test('B ids in paths and bodies: refused, indistinguishable from missing ids, nothing leaks', async (t) => {
  for (const a of attempts) {
    const res = await asAlice(a.path, { method: a.method, ...(a.json !== undefined ? { json: a.json } : {}) });
    const text = await res.text();
    t.ok(a.expect.includes(res.status), `${a.method} ${a.path} -> ${res.status}`);
    t.notOk(leaks(text), `${a.method} ${a.path}: no byte of B in the body`);
    t.notOk([...res.headers.values()].some(leaks), 'nor in the headers');
    if (a.missing !== undefined || a.missingJson !== undefined) {
      const again = await asAlice(a.missing ?? a.path, {
        method: a.method,
        ...(a.json !== undefined || a.missingJson !== undefined ? { json: a.missingJson ?? a.json } : {}),
      });
      t.equal(again.status, res.status, `${a.method} ${a.path}: same status as a missing id`);
      t.equal(await again.text(), text, 'and the same body');
    }
  }
});

t.test('B ids in query strings: empty results, never B rows', async (t) => {
  for (const path of [
    `${A}/tasks?assigneeId=${bob.userId}`,
    `${A}/tasks?assigneeId=${bob.userId}&status=todo`,
    `${A}/projects?teamId=${teamB.id}`,
  ]) {
    const res = await asAlice(path);
    t.equal(res.status, 200, path);
    t.same(await res.json(), [], `${path}: empty`);
  }
  // A keyset cursor just below B's task id: the page holds only A's rows.
  const cursor = Buffer.from(JSON.stringify([String(taskB.id - 1)])).toString('base64url');
  for (const path of [
    `${A}/tasks?after=${cursor}`,
    `${A}/my/tasks?after=${cursor}`,
    `${A}/members?after=${cursor}`,
    `${A}/teams?after=${cursor}`,
    `${A}/projects?after=${cursor}`,
  ]) {
    const res = await asAlice(path);
    const text = await res.text();
    t.equal(res.status, 200, path);
    t.notOk(leaks(text), `${path}: no B rows`);
  }
  // Every list A can call, read in full: nothing of B.
  for (const path of [
    '/orgs',
    A,
    `${A}/members`,
    `${A}/invitations`,
    `${A}/teams`,
    `${A}/teams/${teamA.id}/members`,
    `${A}/projects`,
    `${A}/projects/${projectA.id}/tasks`,
    `${A}/tasks`,
    `${A}/my/tasks`,
    `${A}/tasks/${taskA.id}`,
  ]) {
    const res = await asAlice(path);
    t.equal(res.status, 200, path);
    t.notOk(leaks(await res.text()), `${path}: no B data`);
  }
});

t.test("inviting B's user by email is a feature, not a leak: it needs A's admin and only adds to A", async (t) => {
  // (B's member list stays B's: the membership is A's row.)
  const res = await asAlice(`${A}/members`, { method: 'POST', json: { email: bobMate.email, role: 'viewer' } });
  t.equal(res.status, 202);
  const { token } = (await res.json()) as { token: string };
  t.equal((await as(api, bobMate)('/invitations/accept', { method: 'POST', json: { token } })).status, 201);
  const members = await expectJson(await asBob(`${B}/members`), 200);
  t.notOk(
    members.some((m: { userId: number }) => m.userId === alice.userId),
    'alice is not in B',
  );
});

t.test('B is untouched', async (t) => {
  t.match(await expectJson(await asBob(B), 200), { name: `${MARK} org` });
  t.match(
    await expectJson(await asBob(`${B}/members/${bob.userId}`, { method: 'PATCH', json: { role: 'owner' } }), 200),
    { role: 'owner' },
  );
  t.match(await expectJson(await asBob(`${B}/teams/${teamB.id}`), 200), { name: `${MARK} team` });
  t.match(await expectJson(await asBob(`${B}/projects/${projectB.id}`), 200), {
    name: `${MARK} project`,
    teamId: teamB.id,
  });
  t.match(await expectJson(await asBob(`${B}/tasks/${taskB.id}`), 200), {
    title: `${MARK} task`,
    status: 'todo',
    assigneeId: bob.userId,
  });
  t.equal((await expectJson(await asBob(`${B}/invitations`), 200)).length, 1);
  t.equal((await expectJson(await asBob(`${B}/teams/${teamB.id}/members`), 200)).length, 1);
  t.equal((await expectJson(await asBob(`${B}/members`), 200)).length, 2);
});
