// The /saas HTTP API on real PostgreSQL: every endpoint's success and error paths.
import t from 'tap';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';
import { as, expectJson, signup } from '../helpers/saas.js';
import { signToken } from '../../src/lib/core/token.js';

// A known key, so that the tests can sign tokens the app would accept but for their audience or age.
process.env.SAAS_TOKEN_SECRET = 'saas-http-test-secret-of-32-bytes';
const { sql } = await testDb(t);
const api = await testServer(t, sql);

t.test('signup, login, tokens', async (t) => {
  const res = await api.request('/saas/signup', {
    method: 'POST',
    json: { email: 'Ann@Example.com', password: 'correct horse', name: 'Ann', orgName: 'Ann Co' },
  });
  const body = await expectJson(res, 201);
  t.match(body, {
    token: String,
    user: { id: Number, email: 'Ann@Example.com', name: 'Ann' },
    org: { id: Number, name: 'Ann Co', role: 'owner' },
  });

  const dup = await api.request('/saas/signup', {
    method: 'POST',
    json: { email: 'ann@example.COM', password: 'another one', name: 'Ann 2', orgName: 'X' },
  });
  t.match(
    await expectJson(dup, 409),
    { constraint: 'users_email_key', errors: [{ field: 'email' }] },
    'emails are case-insensitive',
  );
  t.equal(
    (
      await api.request('/saas/signup', {
        method: 'POST',
        json: { email: 'nope', password: 'correct horse', name: 'A', orgName: 'B' },
      })
    ).status,
    400,
  );
  t.equal(
    (
      await api.request('/saas/signup', {
        method: 'POST',
        json: { email: 'b@example.com', password: 'short', name: 'A', orgName: 'B' },
      })
    ).status,
    400,
  );
  t.equal(
    (
      await api.request('/saas/signup', {
        method: 'POST',
        json: { email: 'nul@example.com', password: 'correct horse', name: 'a\u0000b', orgName: 'B' },
      })
    ).status,
    400,
    'a NUL character is bad input, not a 500',
  );

  const login = await expectJson(
    await api.request('/saas/login', { method: 'POST', json: { email: 'ann@example.com', password: 'correct horse' } }),
    200,
  );
  t.type(login.token, 'string');
  const wrong = await api.request('/saas/login', {
    method: 'POST',
    json: { email: 'ann@example.com', password: 'wrong horse' },
  });
  const unknown = await api.request('/saas/login', {
    method: 'POST',
    json: { email: 'nobody@example.com', password: 'correct horse' },
  });
  t.equal(wrong.status, 401);
  t.same(await wrong.json(), await unknown.json(), 'unknown email and wrong password look the same');

  const orgs = await expectJson(await as(api, login)('/orgs'), 200);
  t.match(orgs, [{ id: body.org.id, name: 'Ann Co', role: 'owner' }]);
  for (const header of [undefined, 'Bearer nope', `Bearer ${login.token}x`, `Basic ${login.token}`]) {
    const r = await api.request('/saas/orgs', { headers: header ? { authorization: header } : {} });
    t.equal(r.status, 401, `401 for ${header ?? 'no header'}`);
    t.equal(r.headers.get('www-authenticate'), 'Bearer');
  }

  const claims = JSON.parse(Buffer.from(login.token.split('.')[1], 'base64url').toString());
  t.match(claims, { aud: 'pg-grind/saas', sub: String(body.user.id) }, 'saas tokens carry their audience');
  t.equal(claims.exp - claims.iat, 24 * 3600, 'and live 24 h by default');
  const secret = process.env.SAAS_TOKEN_SECRET!;
  const forged = (audience: string | undefined, ago = 0) =>
    signToken(claims.sub, secret, { ttlSeconds: 60, ...(audience ? { audience } : {}), now: () => Date.now() - ago });
  t.equal((await as(api, { token: forged('pg-grind/saas') })('/orgs')).status, 200, "the key is the app's");
  for (const [what, token] of [
    ['blog audience', forged('pg-grind/blog')],
    ['no audience', forged(undefined)],
    ['expired', forged('pg-grind/saas', 3600_000)],
  ]) {
    const r = await as(api, { token: token! })('/orgs');
    t.equal(r.status, 401, `401 for a token with the same key: ${what}`);
    t.equal(r.headers.get('www-authenticate'), 'Bearer');
  }
});

t.test('a SAAS_TOKEN_SECRET shorter than 32 bytes stops the app at start-up', async (t) => {
  const { saasApi } = await import('../../src/http/saas.js');
  t.throws(() => saasApi(sql, { tokenSecret: 'short' }), RangeError);
  t.doesNotThrow(() => saasApi(sql, { tokenSecret: 'x'.repeat(32) }));
});

t.test('orgs: create, get, rename, delete', async (t) => {
  const me = await signup(api, 'Orgs');
  const call = as(api, me);
  const created = await expectJson(await call('/orgs', { method: 'POST', json: { name: 'Second' } }), 201);
  t.match(created, { name: 'Second', role: 'owner' });
  t.same(
    (await expectJson(await call('/orgs'), 200)).map((o: { id: number }) => o.id),
    [me.orgId, created.id],
  );
  // A capped list, keyset-paged by id like every saas list.
  const first = await call('/orgs?limit=1');
  t.same(
    (await expectJson(first, 200)).map((o: { id: number }) => o.id),
    [me.orgId],
  );
  const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
  t.ok(next, 'Link rel=next');
  const u = new URL(next!);
  const second = await call(`${u.pathname.replace(/^\/saas/, '')}${u.search}`);
  t.same(
    (await expectJson(second, 200)).map((o: { id: number }) => o.id),
    [created.id],
  );
  t.equal(second.headers.get('link'), null, 'the last page');
  t.equal((await call('/orgs?limit=501')).status, 400, 'over the cap');
  t.match(await expectJson(await call(`/orgs/${created.id}`), 200), { id: created.id, name: 'Second', role: 'owner' });
  t.match(await expectJson(await call(`/orgs/${created.id}`, { method: 'PATCH', json: { name: 'Renamed' } }), 200), {
    name: 'Renamed',
  });
  t.equal((await call(`/orgs/${created.id}`, { method: 'PATCH', json: { name: '' } })).status, 400);
  t.equal((await call(`/orgs/${created.id}`, { method: 'DELETE' })).status, 204);
  t.equal((await call(`/orgs/${created.id}`)).status, 404);
  t.equal((await call('/orgs/abc')).status, 400);
});

t.test('members, invitations, teams, projects, tasks', async (t) => {
  const owner = await signup(api, 'Flow');
  const other = await signup(api, 'Flowmate');
  const call = as(api, owner);
  const o = `/orgs/${owner.orgId}`;

  // members join by invitation only: adding an existing account's email invites it too
  const toOther = await expectJson(
    await call(`${o}/members`, { method: 'POST', json: { email: other.email, role: 'member' } }),
    202,
  );
  t.match(toOther, {
    invitation: { email: other.email, role: 'member', invitedBy: owner.userId },
    token: /^[A-Za-z0-9_-]{43}$/,
    acceptUrl: `${api.base}/saas/invitations/accept`,
  });
  t.notMatch(
    await expectJson(await as(api, other)('/orgs'), 200),
    [{ id: owner.orgId }],
    'not a member before accepting',
  );
  const joined = await expectJson(
    await api.request(toOther.acceptUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${other.token}` },
      json: { token: toOther.token },
    }),
    201,
  );
  t.match(joined, { id: owner.orgId, name: 'Flow org', role: 'member' });
  t.match(
    await expectJson(await call(`${o}/members`, { method: 'POST', json: { email: other.email, role: 'admin' } }), 409),
    { constraint: 'memberships_pkey' },
    'a member is not invited again',
  );
  const invited = await expectJson(
    await call(`${o}/members`, { method: 'POST', json: { email: 'newbie@example.com', role: 'viewer' } }),
    202,
  );
  t.match(invited, {
    invitation: { id: Number, email: 'newbie@example.com', role: 'viewer', invitedBy: owner.userId },
  });
  t.match(
    await expectJson(
      await call(`${o}/members`, { method: 'POST', json: { email: 'newbie@example.com', role: 'viewer' } }),
      409,
    ),
    { constraint: 'invitations_org_id_email_key' },
  );
  for (const bad of [{ expiresInSeconds: 59 }, { expiresInSeconds: 30 * 86400 + 1 }, { expiresInSeconds: 1.5 }])
    t.equal(
      (await call(`${o}/members`, { method: 'POST', json: { email: 'x@example.com', role: 'viewer', ...bad } })).status,
      400,
      `expiresInSeconds ${bad.expiresInSeconds}`,
    );
  t.match(await expectJson(await call(`${o}/invitations`), 200), [{ email: 'newbie@example.com', expiresAt: String }]);
  const members = await expectJson(await call(`${o}/members?limit=1`), 200);
  t.equal(members.length, 1);
  const secondPage = await expectJson(
    await call(
      `${o}/members?limit=1&after=${encodeURIComponent(new URL((await call(`${o}/members?limit=1`)).headers.get('link')!.slice(1, -13)).searchParams.get('after')!)}`,
    ),
    200,
  );
  t.equal(secondPage[0].userId, other.userId, 'keyset pages through members');
  t.equal((await call(`${o}/members?after=garbage`)).status, 400);
  t.match(
    await expectJson(await call(`${o}/members/${other.userId}`, { method: 'PATCH', json: { role: 'admin' } }), 200),
    { userId: other.userId, role: 'admin', name: 'Flowmate user' },
  );
  t.equal((await call(`${o}/members/${other.userId}`, { method: 'PATCH', json: { role: 'god' } })).status, 400);
  t.equal((await call(`${o}/members/999999999`, { method: 'PATCH', json: { role: 'admin' } })).status, 404);
  t.match(
    await expectJson(await call(`${o}/members/${owner.userId}`, { method: 'PATCH', json: { role: 'admin' } }), 422),
    { constraint: 'memberships_one_owner' },
    'the last owner cannot step down',
  );
  t.equal((await call(`${o}/members/${owner.userId}`, { method: 'DELETE' })).status, 422, 'nor leave');

  // signing up with the invited email joins nothing; the token does
  const newbie = await signup(api, 'Newbie', 'newbie@example.com');
  t.same(
    (await expectJson(await as(api, newbie)('/orgs'), 200)).map((x: { id: number }) => x.id),
    [newbie.orgId],
  );
  t.equal(
    (await as(api, newbie)('/invitations/accept', { method: 'POST', json: { token: invited.token } })).status,
    201,
  );
  t.match(await expectJson(await as(api, newbie)('/orgs'), 200), [
    { id: owner.orgId, role: 'viewer' },
    { id: newbie.orgId, role: 'owner' },
  ]);
  t.same(await expectJson(await call(`${o}/invitations`), 200), []);
  const inv2 = await expectJson(
    await call(`${o}/members`, { method: 'POST', json: { email: 'later@example.com', role: 'member' } }),
    202,
  );
  t.equal((await call(`${o}/invitations/${inv2.invitation.id}`, { method: 'DELETE' })).status, 204);
  t.equal((await call(`${o}/invitations/${inv2.invitation.id}`, { method: 'DELETE' })).status, 404);

  // teams
  const team = await expectJson(await call(`${o}/teams`, { method: 'POST', json: { name: 'Core' } }), 201);
  t.match(await expectJson(await call(`${o}/teams`, { method: 'POST', json: { name: 'Core' } }), 409), {
    constraint: 'teams_org_id_name_key',
    errors: [{ field: 'name' }],
  });
  const team2 = await expectJson(await call(`${o}/teams`, { method: 'POST', json: { name: 'Edge' } }), 201);
  t.same(
    (await expectJson(await call(`${o}/teams`), 200)).map((x: { name: string }) => x.name),
    ['Core', 'Edge'],
  );
  t.match(await expectJson(await call(`${o}/teams/${team.id}`), 200), { name: 'Core' });
  t.match(await expectJson(await call(`${o}/teams/${team2.id}`, { method: 'PATCH', json: { name: 'Rim' } }), 200), {
    name: 'Rim',
  });
  t.equal((await call(`${o}/teams/999999999`, { method: 'PATCH', json: { name: 'x' } })).status, 404);
  t.match(
    await expectJson(
      await call(`${o}/teams/${team.id}/members`, { method: 'POST', json: { userId: other.userId } }),
      201,
    ),
    { userId: other.userId },
  );
  t.equal(
    (await call(`${o}/teams/${team.id}/members`, { method: 'POST', json: { userId: other.userId } })).status,
    409,
  );
  t.match(await expectJson(await call(`${o}/teams/${team.id}/members`), 200), [
    { userId: other.userId, name: 'Flowmate user' },
  ]);
  t.equal((await call(`${o}/teams/${team.id}/members/${other.userId}`, { method: 'DELETE' })).status, 204);
  t.equal((await call(`${o}/teams/${team.id}/members/${other.userId}`, { method: 'DELETE' })).status, 404);
  t.equal((await call(`${o}/teams/999999999/members`)).status, 404);
  t.equal((await call(`${o}/teams/999999999/members`, { method: 'POST', json: { userId: other.userId } })).status, 404);

  // projects
  const project = await expectJson(
    await call(`${o}/projects`, { method: 'POST', json: { name: 'Launch', teamId: team.id } }),
    201,
  );
  t.match(project, { name: 'Launch', teamId: team.id });
  t.match(
    await expectJson(await call(`${o}/projects`, { method: 'POST', json: { name: 'X', teamId: 999999999 } }), 422),
    { constraint: 'projects_team_fkey', errors: [{ field: 'teamId' }] },
  );
  t.match(await expectJson(await call(`${o}/projects/${project.id}`), 200), { id: project.id });
  t.same(
    (await expectJson(await call(`${o}/projects?teamId=${team.id}`), 200)).map((p: { id: number }) => p.id),
    [project.id],
  );
  t.same(await expectJson(await call(`${o}/projects?teamId=${team2.id}`), 200), []);

  // tasks
  const task = await expectJson(
    await call(`${o}/projects/${project.id}/tasks`, {
      method: 'POST',
      json: { title: 'Ship it', assigneeId: owner.userId },
    }),
    201,
  );
  t.match(task, { title: 'Ship it', status: 'todo', assigneeId: owner.userId, projectId: project.id, teamId: team.id });
  const done = await expectJson(
    await call(`${o}/projects/${project.id}/tasks`, {
      method: 'POST',
      json: { title: 'Done one', status: 'done', assigneeId: owner.userId },
    }),
    201,
  );
  t.match(
    await expectJson(
      await call(`${o}/projects/${project.id}/tasks`, { method: 'POST', json: { title: 'x', assigneeId: 999999999 } }),
      422,
    ),
    { constraint: 'tasks_assignee_fkey', errors: [{ field: 'assigneeId' }] },
  );
  t.equal(
    (await call(`${o}/projects/${project.id}/tasks`, { method: 'POST', json: { title: 'x', status: 'lost' } })).status,
    400,
  );
  t.equal((await call(`${o}/projects/999999999/tasks`, { method: 'POST', json: { title: 'x' } })).status, 404);
  t.same(
    (await expectJson(await call(`${o}/projects/${project.id}/tasks`), 200)).map((x: { id: number }) => x.id),
    [task.id, done.id],
  );
  t.equal((await call(`${o}/projects/999999999/tasks`)).status, 404);
  t.same(
    (await expectJson(await call(`${o}/my/tasks`), 200)).map((x: { id: number }) => x.id),
    [task.id],
    'my open tasks',
  );
  t.same(
    (await expectJson(await call(`${o}/tasks?status=done`), 200)).map((x: { id: number }) => x.id),
    [done.id],
  );
  t.same(
    (await expectJson(await call(`${o}/tasks?assigneeId=${owner.userId}&status=todo`), 200)).map(
      (x: { id: number }) => x.id,
    ),
    [task.id],
  );
  const first = await call(`${o}/tasks?limit=1`);
  t.same(
    (await expectJson(first, 200)).map((x: { id: number }) => x.id),
    [task.id],
  );
  const next = first.headers.get('link')!.match(/<([^>]+)>/)![1]!;
  t.same(
    (await expectJson(await api.request(next, { headers: { authorization: `Bearer ${owner.token}` } }), 200)).map(
      (x: { id: number }) => x.id,
    ),
    [done.id],
    'Link rel=next',
  );
  t.match(
    await expectJson(
      await call(`${o}/tasks/${task.id}`, { method: 'PATCH', json: { status: 'doing', assigneeId: null } }),
      200,
    ),
    { status: 'doing', assigneeId: null, title: 'Ship it' },
  );
  t.match(
    await expectJson(await call(`${o}/tasks/${task.id}`, { method: 'PATCH', json: { assigneeId: other.userId } }), 200),
    { assigneeId: other.userId },
  );
  t.equal((await call(`${o}/tasks/${task.id}`, { method: 'PATCH', json: { title: '' } })).status, 400);
  t.equal((await call(`${o}/tasks/999999999`, { method: 'PATCH', json: { title: 'x' } })).status, 404);

  // moving a project moves its tasks; removing a member unassigns their tasks
  t.match(
    await expectJson(
      await call(`${o}/projects/${project.id}`, { method: 'PATCH', json: { teamId: team2.id, name: 'Launch 2' } }),
      200,
    ),
    { teamId: team2.id, name: 'Launch 2' },
  );
  t.match(await expectJson(await call(`${o}/tasks/${task.id}`), 200), { teamId: team2.id });
  t.equal((await call(`${o}/projects/${project.id}`, { method: 'PATCH', json: { teamId: 999999999 } })).status, 422);
  t.equal((await call(`${o}/members/${other.userId}`, { method: 'DELETE' })).status, 204);
  t.match(await expectJson(await call(`${o}/tasks/${task.id}`), 200), { assigneeId: null });
  t.equal((await call(`${o}/members/${other.userId}`, { method: 'DELETE' })).status, 404);

  // deletes
  t.equal((await call(`${o}/tasks/${done.id}`, { method: 'DELETE' })).status, 204);
  t.equal((await call(`${o}/tasks/${done.id}`)).status, 404);
  t.equal((await call(`${o}/tasks/${done.id}`, { method: 'DELETE' })).status, 404);
  t.equal((await call(`${o}/projects/${project.id}`, { method: 'DELETE' })).status, 204);
  t.equal((await call(`${o}/tasks/${task.id}`)).status, 404, 'tasks went with the project');
  t.equal((await call(`${o}/projects/${project.id}`, { method: 'DELETE' })).status, 404);
  t.equal((await call(`${o}/teams/${team.id}`, { method: 'DELETE' })).status, 204);
  t.equal((await call(`${o}/teams/${team.id}`)).status, 404);
  t.equal((await call(`${o}/teams/${team.id}`, { method: 'DELETE' })).status, 404);
});

t.test('the OpenAPI document lists the saas routes', async (t) => {
  const doc = await expectJson(await api.request('/openapi.json'), 200);
  for (const p of [
    '/saas/signup',
    '/saas/orgs/{orgId}/tasks',
    '/saas/orgs/{orgId}/my/tasks',
    '/saas/orgs/{orgId}/teams/{teamId}/members/{userId}',
  ]) {
    t.ok(doc.paths[p], p);
  }
});
