// The claims of pg-grind/chat under real concurrency: many connections at once, then SQL over the
// final tables. No timing assertions, no sleeps: each side waits for the events it needs.
import t from 'tap';
import * as chat from '../../src/lib/chat/index.js';
import { ChatHub, type LiveEvent } from '../../src/lib/chat/live.js';
import { makeUsers, sseReader } from '../helpers/chat.js';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';

t.setTimeout(240_000);

const { sql, url, directUrl, pooled } = await testDb(t, { max: 30 });

/** Members whose kept unread count differs from a recount over the messages (must be none). */
async function drift() {
  return sql`
    select m.conversation_id, m.user_id, m.unread_count, m.left_at
      from chat.members m
     where m.unread_count <> case when m.left_at is not null then 0 else
             (select count(*) from chat.messages x
               where x.conversation_id = m.conversation_id and x.seq > m.last_read_seq
                 and x.deleted_at is null and x.sender_id is distinct from m.user_id) end`;
}

t.test('20 concurrent senders in one conversation: gap-free, each sender in order', async (t) => {
  const users = await makeUsers(sql, 20, 'seq');
  const g = await chat.createGroup(sql, users[0]!, 'Busy', users);
  const perSender = 25;
  const sent = await Promise.all(
    users.map(async (u) => {
      const seqs: number[] = [];
      for (let i = 0; i < perSender; i++) seqs.push(Number((await chat.sendMessage(sql, u, g, `${u}:${i}`)).seq));
      return seqs;
    }),
  );
  const rows = await sql<{ seq: string; body: string }[]>`
    select seq, body from chat.messages where conversation_id = ${g} order by seq`;
  t.same(
    rows.map((r) => Number(r.seq)),
    Array.from({ length: 20 * perSender }, (_, i) => i + 1),
    'sequences 1..500 with no gap and no duplicate',
  );
  t.ok(
    sent.every((s) => s.every((v, i) => i === 0 || v > s[i - 1]!)),
    "each sender's messages are in its sending order",
  );
  const [c] = await sql`select last_seq from chat.conversations where id = ${g}`;
  t.equal(Number(c!.last_seq), 500);
  t.same(await drift(), []);
});

t.test('unread counts stay exact under random sends, reads, deletes, leaves and joins', async (t) => {
  const users = await makeUsers(sql, 12, 'rnd');
  const owner = users[0]!;
  const groups = [
    await chat.createGroup(sql, owner, 'R1', users),
    await chat.createGroup(sql, owner, 'R2', users),
    await chat.createGroup(sql, owner, 'R3', users.slice(0, 6)),
  ];
  // mulberry32: a seeded generator whose low bits are usable (an LCG's % n were not).
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * n);
  };
  const expected = new Set(['NotAMember', 'NoSuchMessage', 'NotAllowed']);
  const failures: string[] = [];
  const worker = async (w: number) => {
    for (let i = 0; i < 60; i++) {
      const g = groups[rand(groups.length)]!;
      const u = users[rand(users.length)]!;
      const op = rand(10);
      try {
        if (op < 4) await chat.sendMessage(sql, u, g, `w${w} i${i}`);
        else if (op < 6) await chat.markRead(sql, u, g, rand(200));
        else if (op < 7) await chat.markAllRead(sql, u);
        else if (op < 8) await chat.deleteMessage(sql, owner, g, 1 + rand(100));
        else if (op < 9 && u !== owner) await chat.removeMember(sql, u, g, u);
        else await chat.addMember(sql, owner, g, u);
      } catch (err) {
        if (!expected.has((err as Error).name)) failures.push(`${(err as Error).name}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
  t.same(failures, [], 'no unexpected error (a negative count would be 23514 members_unread_count_check)');
  t.same(await drift(), [], 'every counter equals its recount');
  const [work] = await sql`
    select count(*)::int as sent, count(deleted_at)::int as deleted,
           (select count(*)::int from chat.membership_events where kind = 'leave') as leaves
      from chat.messages where conversation_id = any(${groups}::bigint[])`;
  t.ok(work!.sent > 100 && work!.deleted > 5 && work!.leaves > 5, `the mix ran: ${JSON.stringify(work)}`);
  const [neg] = await sql`select count(*)::int as n from chat.members where unread_count < 0`;
  t.equal(neg!.n, 0);
});

t.test('concurrent reads and deletes of the same messages cannot drive a count below zero', async (t) => {
  const [sender, reader, admin] = await makeUsers(sql, 3, 'neg');
  const g = await chat.createGroup(sql, sender!, 'Neg', [reader!, admin!]);
  await sql`update chat.members set role = 'admin' where conversation_id = ${g} and user_id = ${admin!}`;
  for (let round = 0; round < 5; round++) {
    const first = Number((await chat.sendMessage(sql, sender!, g, `r${round} 0`)).seq);
    for (let i = 1; i < 20; i++) await chat.sendMessage(sql, sender!, g, `r${round} ${i}`);
    // Every message deleted while the reader marks each of them read, all at once.
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => chat.deleteMessage(sql, admin!, g, first + i)),
      ...Array.from({ length: 20 }, (_, i) => chat.markRead(sql, reader!, g, first + i)),
      chat.markAllRead(sql, reader!),
    ]);
    const r = await chat.getConversation(sql, g, reader!);
    t.equal(r.unread_count, 0, `round ${round}: nothing left unread, and not below zero`);
  }
  t.same(await drift(), []);
});

t.test('no message reaches a member after their leave commits', async (t) => {
  const [a, b, c] = await makeUsers(sql, 3, 'lv');
  const g = await chat.createGroup(sql, a!, 'Leave', [b!, c!]);
  const hub = new ChatHub(sql, { listenUrl: directUrl });
  t.teardown(() => hub.close());
  const toB: LiveEvent[] = [];
  const toC: LiveEvent[] = [];
  let wake: () => void = () => {};
  await hub.subscribe({
    userId: b!,
    conversations: new Set([g]),
    inbox: false,
    send: (e) => void toB.push(e),
    revoked: () => {},
  });
  await hub.subscribe({
    userId: c!,
    conversations: new Set([g]),
    inbox: false,
    send: (e) => {
      toC.push(e);
      wake();
    },
    revoked: () => {},
  });
  let stop = false;
  const senders = [a!, c!].map(async (u) => {
    let n = 0;
    while (!stop || n < 20) {
      await chat.sendMessage(sql, u, g, `${u} ${n++}`);
    }
    return n;
  });
  // The removal takes the conversation lock first (a test-only step) so that its commit falls
  // between two known sequences: everything up to `boundary` committed before it, the rest after.
  while (toC.length < 20) await new Promise<void>((r) => (wake = r));
  const boundary = await sql.begin(async (tx) => {
    const [row] = await tx`select last_seq from chat.conversations where id = ${g} for update`;
    await chat.removeMember(tx, a!, g, b!);
    return Number(row!.last_seq);
  });
  stop = true;
  const total = (await Promise.all(senders)).reduce((x, y) => x + y, 0);
  while (!toC.some((e) => 'seq' in e && Number(e.seq) === total)) await new Promise<void>((r) => (wake = r));
  const seqsB = toB.filter((e) => e.kind === 'message').map((e) => Number((e as { seq: string }).seq));
  t.ok(seqsB.length > 0, 'b got messages while a member');
  t.ok(
    seqsB.every((s) => s <= boundary),
    `b got nothing after the leave (max ${Math.max(...seqsB)}, boundary ${boundary})`,
  );
  t.ok(total > boundary, 'messages were sent after the leave');
  t.ok(toB.some((e) => e.kind === 'leave'));
});

t.test('an SSE subscriber that disconnects misses nothing after resuming with Last-Event-ID', async (t) => {
  const { request, base } = await testServer(t, sql, pooled ? { listenUrl: directUrl } : {});
  const signup = async (name: string) => {
    const res = await request('/chat/users', {
      method: 'POST',
      json: { email: `${name}@resume.test`, password: 'password123', name },
    });
    return ((await res.json()) as { token: string; user: { id: number } }).token;
  };
  const ta = await signup('ra');
  const tb = await signup('rb');
  const me = async (token: string) =>
    ((await (await request('/chat/me', { headers: { authorization: `Bearer ${token}` } })).json()) as { id: number })
      .id;
  const idB = await me(tb);
  const conv = (await (
    await request('/chat/conversations', {
      method: 'POST',
      json: { kind: 'group', name: 'Resume', memberIds: [idB] },
      headers: { authorization: `Bearer ${ta}` },
    })
  ).json()) as { id: number };
  const send = (n: number) =>
    request(`/chat/conversations/${conv.id}/messages`, {
      method: 'POST',
      json: { body: `msg ${n}` },
      headers: { authorization: `Bearer ${ta}` },
    });
  // Plain fetch: the test client reads whole bodies to check them, and a stream never ends.
  const open = (lastId?: string) =>
    fetch(`${base}/chat/stream?conversation=${conv.id}`, {
      headers: { authorization: `Bearer ${tb}`, ...(lastId ? { 'last-event-id': lastId } : {}) },
    });
  const first = await open();
  t.equal(first.status, 200);
  t.match(first.headers.get('content-type'), /^text\/event-stream/);
  const r1 = sseReader(first);
  // Four concurrent senders while b is connected, then while b is away.
  await Promise.all(Array.from({ length: 4 }, (_, i) => send(i)));
  const seen: number[] = [];
  while (seen.length < 4) seen.push(Number((await r1.nextOf('message'))!.id));
  await r1.cancel();
  await Promise.all(Array.from({ length: 10 }, (_, i) => send(100 + i)));
  const second = await open(String(seen[seen.length - 1]));
  const r2 = sseReader(second);
  await Promise.all(Array.from({ length: 3 }, (_, i) => send(200 + i)));
  while (seen.length < 17) seen.push(Number((await r2.nextOf('message'))!.id));
  await r2.cancel();
  t.same(
    seen,
    Array.from({ length: 17 }, (_, i) => i + 1),
    'every sequence once, in order, across the disconnect',
  );
});
