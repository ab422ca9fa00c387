// /chat over HTTP: every route, every bad input answered with a 4xx (never a 500), the stream's
// authentication (bearer or the stream cookie), caching validators. The test client checks each
// JSON response against the schema its route declares.
import t from 'tap';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';
import { sseReader } from '../helpers/chat.js';

t.setTimeout(120_000);

// directUrl: the live hub's LISTEN goes around the pooler of the pooled suite (.ci/run).
const { sql, directUrl, pooled } = await testDb(t);
const { request, base } = await testServer(t, sql, pooled ? { listenUrl: directUrl } : {});

type Json = Record<string, any>;
async function call(
  method: string,
  path: string,
  token?: string,
  json?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await request(path, {
    method,
    ...(json !== undefined ? { json } : {}),
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Json };
}

async function signup(name: string) {
  const r = await call('POST', '/chat/users', undefined, { email: `${name}@http.test`, password: 'password123', name });
  if (r.status !== 201) throw new Error(`signup ${name}: ${r.status}`);
  return { token: r.body.token as string, id: r.body.user.id as number };
}

const ann = await signup('ann');
const bob = await signup('bob');
const cat = await signup('cat');
const eve = await signup('eve');

t.test('accounts', async (t) => {
  t.equal(
    (await call('POST', '/chat/users', undefined, { email: 'ANN@http.test', password: 'password123', name: 'x' }))
      .status,
    409,
  );
  const bad = await call('POST', '/chat/users', undefined, { email: 'nope', password: 'short', name: '' });
  t.equal(bad.status, 400);
  t.ok(bad.body.errors.length >= 2);
  t.equal(
    (await call('POST', '/chat/users', undefined, { email: 'a@b.c', password: 'password123', name: 'x', extra: 1 }))
      .status,
    400,
  );
  const login = await call('POST', '/chat/login', undefined, { email: 'ann@http.test', password: 'password123' });
  t.equal(login.status, 200);
  t.equal(login.body.userId, ann.id);
  t.equal(
    (await call('POST', '/chat/login', undefined, { email: 'ann@http.test', password: 'wrong-one' })).status,
    401,
  );
  t.equal((await call('POST', '/chat/login', undefined, {})).status, 400);
  const me = await call('GET', '/chat/me', login.body.token);
  t.same(me.body, { id: ann.id, email: 'ann@http.test', name: 'ann' });
  const none = await call('GET', '/chat/me');
  t.equal(none.status, 401);
  t.equal(none.headers.get('www-authenticate'), 'Bearer');
  t.equal((await call('GET', '/chat/me', 'not.a.token')).status, 401);
});

t.test('conversations, messages, receipts, reactions, members', async (t) => {
  const direct = await call('POST', '/chat/conversations', ann.token, { kind: 'direct', userId: bob.id });
  t.equal(direct.status, 201);
  const again = await call('POST', '/chat/conversations', bob.token, { kind: 'direct', userId: ann.id });
  t.equal(again.status, 200);
  t.equal(again.body.id, direct.body.id, 'one direct conversation per pair');
  const self = await call('POST', '/chat/conversations', ann.token, { kind: 'direct', userId: ann.id });
  t.equal(self.status, 422);
  t.equal(self.body.constraint, 'conversations_direct_shape');
  t.equal((await call('POST', '/chat/conversations', ann.token, { kind: 'direct', userId: 99999 })).status, 422);
  t.equal((await call('POST', '/chat/conversations', ann.token, { kind: 'other' })).status, 400);
  t.equal((await call('POST', '/chat/conversations', ann.token, { kind: 'group', name: '' })).status, 400);

  const group = await call('POST', '/chat/conversations', ann.token, {
    kind: 'group',
    name: 'Team',
    memberIds: [bob.id, cat.id],
  });
  t.equal(group.status, 201);
  t.equal(group.body.role, 'owner');
  const g = group.body.id as number;
  const path = `/chat/conversations/${g}`;

  const sent = await call('POST', `${path}/messages`, ann.token, {
    body: 'hello',
    attachments: [{ filename: 'a.png', contentType: 'image/png', sizeBytes: 3, url: 'https://files.test/a.png' }],
  });
  t.equal(sent.status, 201);
  t.equal(sent.body.seq, 1);
  t.equal(sent.body.attachments[0].filename, 'a.png');
  for (let i = 2; i <= 5; i++)
    t.equal((await call('POST', `${path}/messages`, bob.token, { body: `m${i}` })).body.seq, i);
  t.equal((await call('POST', `${path}/messages`, eve.token, { body: 'intruder' })).status, 404, 'non-member: 404');
  t.equal((await call('POST', `${path}/messages`, ann.token, { body: '' })).status, 400);
  t.equal((await call('POST', `${path}/messages`, ann.token, { body: 'x'.repeat(4001) })).status, 400);
  t.equal(
    (
      await call('POST', `${path}/messages`, ann.token, {
        body: 'x',
        attachments: [{ filename: 'a', contentType: 'bad', sizeBytes: 1, url: 'ftp://x' }],
      })
    ).status,
    400,
  );
  t.equal((await call('POST', '/chat/conversations/0/messages', ann.token, { body: 'x' })).status, 400);
  t.equal((await call('POST', '/chat/conversations/99999999/messages', ann.token, { body: 'x' })).status, 404);

  // Inbox, with a validator.
  const inbox = await call('GET', '/chat/conversations', cat.token);
  t.equal(inbox.status, 200);
  t.equal(inbox.body[0].id, g);
  t.equal(inbox.body[0].unreadCount, 5);
  t.equal(inbox.headers.get('cache-control'), 'private, no-cache');
  const etag = inbox.headers.get('etag')!;
  t.equal((await call('GET', '/chat/conversations', cat.token, undefined, { 'if-none-match': etag })).status, 304);
  t.equal((await call('GET', '/chat/conversations?limit=0', cat.token)).status, 400);
  t.equal((await call('GET', '/chat/conversations?limit=abc', cat.token)).status, 400);

  // Windows.
  const w = await call('GET', `${path}/messages?anchor=newest&before=2&after=1`, cat.token);
  t.same(
    w.body.messages.map((m: Json) => m.seq),
    [3, 4, 5],
  );
  t.ok(w.body.foundNewest);
  const tag = w.headers.get('etag')!;
  t.equal(
    (
      await call('GET', `${path}/messages?anchor=newest&before=2&after=1`, cat.token, undefined, {
        'if-none-match': tag,
      })
    ).status,
    304,
  );
  const fu = await call('GET', `${path}/messages?anchor=first_unread&before=0&after=2`, cat.token);
  t.same(
    fu.body.messages.map((m: Json) => m.seq),
    [1, 2],
  );
  const at = await call('GET', `${path}/messages?anchor=3&before=1&after=1`, cat.token);
  t.same(
    at.body.messages.map((m: Json) => m.seq),
    [2, 3],
  );
  t.equal((await call('GET', `${path}/messages?anchor=sideways`, cat.token)).status, 400);
  t.equal((await call('GET', `${path}/messages?before=201`, cat.token)).status, 400);
  t.equal((await call('GET', `${path}/messages`, eve.token)).status, 404);

  // Read receipts and unread counts.
  const read = await call('POST', `${path}/read`, cat.token, { seq: 3 });
  t.same(read.body, { lastReadSeq: 3, unreadCount: 2 });
  t.equal((await call('POST', `${path}/read`, cat.token, { seq: -1 })).status, 400);
  t.equal((await call('POST', `${path}/read`, eve.token, { seq: 1 })).status, 404);
  const receipts = await call('GET', `${path}/receipts`, ann.token);
  t.same(receipts.body, [
    { userId: ann.id, lastReadSeq: 1 },
    { userId: bob.id, lastReadSeq: 5 },
    { userId: cat.id, lastReadSeq: 3 },
  ]);
  t.equal(
    (await call('GET', `${path}/receipts`, ann.token, undefined, { 'if-none-match': receipts.headers.get('etag')! }))
      .status,
    304,
  );
  t.equal((await call('GET', `${path}/receipts`, eve.token)).status, 404);
  const conv = await call('GET', path, cat.token);
  t.equal(conv.body.unreadCount, 2);
  t.equal((await call('GET', path, eve.token)).status, 404);
  t.equal((await call('GET', path, cat.token, undefined, { 'if-none-match': conv.headers.get('etag')! })).status, 304);
  const all = await call('POST', '/chat/read-all', cat.token);
  t.equal(all.body.changed, 1);
  t.equal((await call('GET', path, cat.token)).body.unreadCount, 0);

  // Edit, delete, react.
  const edit = await call('PATCH', `${path}/messages/2`, bob.token, { body: 'm2 edited' });
  t.equal(edit.status, 200);
  t.ok(edit.body.editedAt);
  const notMine = await call('PATCH', `${path}/messages/2`, ann.token, { body: 'hijack' });
  t.equal(notMine.status, 403);
  t.equal(notMine.body.constraint, 'messages_edit_by_sender');
  t.equal((await call('PATCH', `${path}/messages/99`, bob.token, { body: 'x' })).status, 404);
  t.equal((await call('PATCH', `${path}/messages/2`, bob.token, {})).status, 400);
  t.equal((await call('DELETE', `${path}/messages/2`, cat.token)).status, 403);
  const del = await call('DELETE', `${path}/messages/2`, ann.token);
  t.equal(del.status, 200);
  t.equal(del.body.body, null);
  t.equal((await call('DELETE', `${path}/messages/2`, ann.token)).status, 404);
  const emoji = encodeURIComponent('🎉');
  t.equal((await call('PUT', `${path}/messages/3/reactions/${emoji}`, cat.token)).status, 204);
  t.equal((await call('PUT', `${path}/messages/3/reactions/${emoji}`, cat.token)).status, 204, 'idempotent');
  t.equal((await call('PUT', `${path}/messages/2/reactions/${emoji}`, cat.token)).status, 404, 'deleted message');
  t.equal((await call('PUT', `${path}/messages/3/reactions/${emoji}`, eve.token)).status, 404);
  t.equal((await call('PUT', `${path}/messages/3/reactions/${'x'.repeat(33)}`, cat.token)).status, 400);
  const m3 = await call('GET', `${path}/messages?anchor=3&before=0&after=1`, cat.token);
  t.same(m3.body.messages[0].reactions, [{ emoji: '🎉', userIds: [cat.id] }]);
  t.equal((await call('DELETE', `${path}/messages/3/reactions/${emoji}`, cat.token)).status, 204);
  t.equal((await call('DELETE', `${path}/messages/3/reactions/${emoji}`, eve.token)).status, 404);

  // Members.
  const members = await call('GET', `${path}/members`, bob.token);
  t.same(
    members.body.map((m: Json) => [m.userId, m.role]),
    [
      [ann.id, 'owner'],
      [bob.id, 'member'],
      [cat.id, 'member'],
    ],
  );
  t.equal((await call('GET', `${path}/members`, eve.token)).status, 404);
  t.equal((await call('POST', `${path}/members`, bob.token, { userId: eve.id })).status, 403);
  const added = await call('POST', `${path}/members`, ann.token, { userId: eve.id, role: 'admin' });
  t.equal(added.status, 201);
  t.equal(added.body.role, 'admin');
  t.equal((await call('POST', `${path}/members`, ann.token, { userId: 99999 })).status, 422);
  t.equal((await call('POST', `${path}/members`, ann.token, { userId: eve.id, role: 'owner' })).status, 400);
  t.equal(
    (await call('POST', `/chat/conversations/${direct.body.id}/members`, ann.token, { userId: cat.id })).status,
    422,
  );
  t.equal((await call('DELETE', `${path}/members/${ann.id}`, bob.token)).status, 403);
  t.equal((await call('DELETE', `${path}/members/${eve.id}`, eve.token)).status, 204);
  t.equal((await call('DELETE', `${path}/members/${eve.id}`, eve.token)).status, 404);
  t.equal((await call('GET', path, eve.token)).status, 404, 'a former member sees nothing');
  t.equal((await call('DELETE', `/chat/conversations/${direct.body.id}/members/${bob.id}`, bob.token)).status, 422);
});

t.test('the stream: authentication, replay, live events, revocation', async (t) => {
  const g = (await call('POST', '/chat/conversations', ann.token, { kind: 'group', name: 'Live', memberIds: [bob.id] }))
    .body.id as number;
  await call('POST', `/chat/conversations/${g}/messages`, ann.token, { body: 'before' });
  // Plain fetch: the test client reads whole bodies, and a stream never ends.
  const stream = (query: string, headers: Record<string, string>) => fetch(`${base}/chat/stream${query}`, { headers });
  t.equal((await stream(`?conversation=${g}`, {})).status, 401);
  t.equal((await stream(`?conversation=${g}`, { authorization: `Bearer ${eve.token}` })).status, 404, 'non-member');
  t.equal((await stream('?conversation=abc', { authorization: `Bearer ${bob.token}` })).status, 400);
  t.equal(
    (await stream(`?conversation=${g}`, { authorization: `Bearer ${bob.token}`, 'last-event-id': 'x' })).status,
    400,
  );

  // The cookie: set by POST /chat/stream-session, HttpOnly, scoped to the stream.
  const session = await call('POST', '/chat/stream-session', bob.token);
  t.equal(session.status, 200);
  const cookie = session.headers.get('set-cookie')!;
  t.match(cookie, /^chat_stream=[^;]+; Max-Age=300; Path=\/chat\/stream; .*HttpOnly; SameSite=Strict/);
  const pair = cookie.split(';')[0]!;
  t.equal((await call('GET', '/chat/me', pair.split('=')[1])).status, 401, 'the ticket is no bearer token');
  t.equal((await stream(`?conversation=${g}`, { cookie: 'chat_stream=forged' })).status, 401);

  const res = await stream(`?conversation=${g}&after=0`, { cookie: pair });
  t.equal(res.status, 200);
  t.equal(res.headers.get('cache-control'), 'no-store');
  const r = sseReader(res);
  const first = await r.nextOf('message');
  t.equal(first!.id, '1', 'replayed from after=0');
  t.equal(JSON.parse(first!.data).body, 'before');
  await call('POST', `/chat/conversations/${g}/messages`, ann.token, { body: 'live' });
  const live = await r.nextOf('message');
  t.equal(live!.id, '2');
  await call('PATCH', `/chat/conversations/${g}/messages/2`, ann.token, { body: 'live!' });
  const upd = await r.nextOf('update');
  t.equal(JSON.parse(upd!.data).kind, 'edit');

  // Inbox stream by bearer.
  const inboxRes = await stream('', { authorization: `Bearer ${bob.token}` });
  const inbox = sseReader(inboxRes);
  await call('POST', `/chat/conversations/${g}/messages`, ann.token, { body: 'third' });
  const act = await inbox.nextOf('activity');
  t.same(JSON.parse(act!.data), { conversationId: g, kind: 'message', seq: 3, senderId: ann.id });
  t.equal((await r.nextOf('message'))!.id, '3');

  // Removal ends the conversation stream with `revoked`.
  await call('DELETE', `/chat/conversations/${g}/members/${bob.id}`, ann.token);
  const revoked = await r.nextOf('revoked');
  t.same(JSON.parse(revoked!.data), { conversationId: g });
  t.equal(await r.next(), undefined, 'the stream ended');
  await inbox.cancel();
});

t.test('the page is served', async (t) => {
  const res = await fetch(`${base}/chat/`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/html/);
  t.match(await res.text(), /EventSource/);
});

t.test('CHAT_NOTIFY=batch: sends NOTIFY per batch after commit, streams still get every message', async (t) => {
  const { serve } = await import('../helpers/http.js');
  const { createApp } = await import('../../src/http/core/app.js');
  process.env.CHAT_NOTIFY = 'batch';
  process.env.CHAT_TOKEN_SECRET = 'batch-mode-secret-0123456789abcdef012';
  const app = createApp({ sql, corsOrigins: [] });
  delete process.env.CHAT_NOTIFY;
  delete process.env.CHAT_TOKEN_SECRET;
  const other = await serve(t, app);
  const su = async (name: string) =>
    (await (
      await other.request('/chat/users', {
        method: 'POST',
        json: { email: `${name}@batch.test`, password: 'password123', name },
      })
    ).json()) as { token: string; user: { id: number } };
  const a = await su('ba');
  const b = await su('bb');
  const auth = (x: { token: string }) => ({ authorization: `Bearer ${x.token}` });
  const c = (await (
    await other.request('/chat/conversations', {
      method: 'POST',
      json: { kind: 'direct', userId: b.user.id },
      headers: auth(a),
    })
  ).json()) as { id: number };
  const res = await fetch(`${other.base}/chat/stream?conversation=${c.id}`, { headers: auth(b) });
  const r = sseReader(res);
  for (let i = 0; i < 5; i++) {
    await other.request(`/chat/conversations/${c.id}/messages`, {
      method: 'POST',
      json: { body: `b${i}` },
      headers: auth(a),
    });
  }
  const ids: string[] = [];
  while (ids.length < 5) ids.push((await r.nextOf('message'))!.id!);
  t.same(ids, ['1', '2', '3', '4', '5']);
  await r.cancel();
});
