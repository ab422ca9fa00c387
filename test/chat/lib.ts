// pg-grind/chat on real PostgreSQL: every library function, the triggers behind unread counts and
// receipts, NOTIFY payloads, the inbox view, and the live hub (LISTEN, fan-out, revocation).
import postgres from 'postgres';
import t from 'tap';
import * as chat from '../../src/lib/chat/index.js';
import { batches, ChatHub, Notifier, parsePayload, type LiveEvent } from '../../src/lib/chat/live.js';
import { CheckViolation, ForeignKeyViolation, NotFound, UniqueViolation } from '../../src/lib/core/errors.js';
import { makeUsers } from '../helpers/chat.js';
import { testDb } from '../helpers/db.js';

const { sql, url, directUrl } = await testDb(t);
const tokens = { secret: 'chat-test-secret-0123456789abcdef0123' };

/** Unread counts of every current member, recomputed from the messages (the truth the triggers keep). */
async function drift(conversationId?: string) {
  return sql<{ user_id: string; kept: number; actual: number }[]>`
    select m.user_id, m.unread_count as kept,
           (select count(*)::int from chat.messages x
             where x.conversation_id = m.conversation_id and x.seq > m.last_read_seq
               and x.deleted_at is null and x.sender_id is distinct from m.user_id) as actual
      from chat.members m
     where m.left_at is null and (${conversationId ?? null}::bigint is null or m.conversation_id = ${conversationId ?? null}::bigint)
       and m.unread_count <> (select count(*)::int from chat.messages x
             where x.conversation_id = m.conversation_id and x.seq > m.last_read_seq
               and x.deleted_at is null and x.sender_id is distinct from m.user_id)`;
}

t.test('signup, login, tokens and stream tickets', async (t) => {
  const s = await chat.signup(sql, { email: 'Ann@Example.com', password: 'correct horse', name: 'Ann' }, tokens);
  t.equal(s.user.email, 'ann@example.com', 'emails are lower-cased');
  t.equal(chat.authenticate(s.token, tokens), s.user.id);
  await t.rejects(
    chat.signup(sql, { email: 'ann@example.com', password: 'whatever1', name: 'A2' }, tokens),
    UniqueViolation,
  );
  await t.rejects(chat.signup(sql, { email: 'nope', password: 'whatever1', name: 'A2' }, tokens), CheckViolation);
  const l = await chat.login(sql, 'ANN@example.com', 'correct horse', tokens);
  t.equal(l?.userId, s.user.id);
  t.equal(await chat.login(sql, 'ann@example.com', 'wrong', tokens), undefined);
  t.equal(await chat.login(sql, 'nobody@example.com', 'wrong', tokens), undefined);
  const ticket = chat.issueStreamTicket(s.user.id, tokens);
  t.equal(chat.verifyStreamTicket(ticket, tokens), s.user.id);
  t.equal(chat.authenticate(ticket, tokens), undefined, 'a stream ticket is not a bearer token');
  t.equal(chat.verifyStreamTicket(s.token, tokens), undefined, 'a bearer token is not a stream ticket');
  t.equal(chat.authenticate('x.y.z', tokens), undefined);
  t.equal((await chat.getUser(sql, s.user.id)).name, 'Ann');
  await t.rejects(chat.getUser(sql, 999999), NotFound);
});

t.test('direct conversations: one per pair, in either order', async (t) => {
  const [a, b] = await makeUsers(sql, 2, 'd');
  const first = await chat.openDirect(sql, a!, b!);
  const again = await chat.openDirect(sql, b!, a!);
  t.ok(first.created);
  t.notOk(again.created);
  t.equal(again.conversation_id, first.conversation_id);
  await t.rejects(chat.openDirect(sql, a!, a!), { name: 'CheckViolation', constraint: 'conversations_direct_shape' });
  await t.rejects(chat.openDirect(sql, a!, 987654), ForeignKeyViolation);
  // Concurrent first opens of a new pair: one conversation.
  const [c, d] = await makeUsers(sql, 2, 'dd');
  const opened = await Promise.all(
    Array.from({ length: 10 }, (_, i) => chat.openDirect(sql, i % 2 ? c! : d!, i % 2 ? d! : c!)),
  );
  t.equal(new Set(opened.map((o) => o.conversation_id)).size, 1);
  t.equal(opened.filter((o) => o.created).length, 1);
  await t.rejects(chat.addMember(sql, a!, first.conversation_id, c!), {
    name: 'CheckViolation',
    constraint: 'conversations_direct_members_fixed',
  });
});

t.test('groups, members, receipts, unread counts, edits, deletes, reactions, windows', async (t) => {
  const [owner, bob, cat, dan] = await makeUsers(sql, 4, 'g');
  const g = await chat.createGroup(sql, owner!, 'Team', [bob!, cat!]);
  await t.rejects(chat.createGroup(sql, owner!, '', []), CheckViolation);
  await t.rejects(chat.createGroup(sql, owner!, 'x', [987654]), ForeignKeyViolation);
  t.same(
    (await chat.listMembers(sql, g, owner!)).map((m) => [m.user_id, m.role]),
    [
      [owner, 'owner'],
      [bob, 'member'],
      [cat, 'member'],
    ],
  );
  await t.rejects(chat.listMembers(sql, g, dan!), NotFound, 'a non-member sees nothing');

  const sent = [];
  for (let i = 1; i <= 5; i++) sent.push(await chat.sendMessage(sql, owner!, g, `m${i}`));
  t.same(
    sent.map((m) => m.seq),
    ['1', '2', '3', '4', '5'],
  );
  await t.rejects(chat.sendMessage(sql, dan!, g, 'intruder'), chat.NotAMember);
  await t.rejects(chat.sendMessage(sql, owner!, g, ''), { name: 'CheckViolation', constraint: 'messages_body_length' });
  const withFile = await chat.sendMessage(sql, bob!, g, 'see file', {
    attachments: [{ filename: 'a.png', contentType: 'image/png', sizeBytes: 10, url: 'https://files.test/a.png' }],
  });
  t.equal(withFile.seq, '6');
  await t.rejects(
    chat.sendMessage(sql, bob!, g, 'bad file', {
      attachments: [{ filename: 'a', contentType: 'nope', sizeBytes: 1, url: 'https://x.test/a' }],
    }),
    { name: 'CheckViolation', constraint: 'attachments_content_type_check' },
  );
  let conv = await chat.getConversation(sql, g, cat!);
  t.equal(conv.unread_count, 6);
  t.equal((await chat.getConversation(sql, g, bob!)).unread_count, 0, 'sending marks read');
  t.equal((await chat.getConversation(sql, g, owner!)).unread_count, 1);

  const r = await chat.markRead(sql, cat!, g, 2);
  t.same([r.last_read_seq, r.unread_count], ['2', 4]);
  const back = await chat.markRead(sql, cat!, g, 1);
  t.equal(back.last_read_seq, '2', 'a receipt never moves back');
  const far = await chat.markRead(sql, cat!, g, 999);
  t.same([far.last_read_seq, far.unread_count], ['6', 0], 'clamped to the newest message');
  await t.rejects(chat.markRead(sql, dan!, g, 1), chat.NotAMember);

  // Edits and deletes, kept as events.
  await t.rejects(chat.editMessage(sql, bob!, g, 1, 'not mine'), { name: 'NotAllowed', code: 'CH002' });
  const edited = await chat.editMessage(sql, owner!, g, 1, 'm1 (edited)');
  t.ok(edited.edited_at);
  await t.rejects(chat.editMessage(sql, owner!, g, 99, 'x'), { name: 'NoSuchMessage', code: 'CH003' });
  await t.rejects(chat.deleteMessage(sql, bob!, g, 2), chat.NotAllowed, 'a plain member deletes only their own');
  const before = (await chat.getConversation(sql, g, bob!)).unread_count;
  const del = await chat.deleteMessage(sql, owner!, g, 6); // bob's, by the owner (an admin power)
  t.equal(del.body, null);
  t.ok(del.deleted_at);
  t.equal((await chat.getConversation(sql, g, bob!)).unread_count, before, "the sender's own count is unchanged");
  t.equal((await chat.getConversation(sql, g, owner!)).unread_count, 0, 'deleting an unread message drops it');
  await t.rejects(chat.deleteMessage(sql, owner!, g, 6), chat.NoSuchMessage, 'twice');
  const events = await sql`select kind, old_body from chat.message_events where conversation_id = ${g} order by id`;
  t.same(
    events.map((e) => [e.kind, e.old_body]),
    [
      ['edit', 'm1'],
      ['delete', 'see file'],
    ],
  );

  // Reactions.
  t.equal(await chat.addReaction(sql, bob!, g, 1, '👍'), true);
  t.equal(await chat.addReaction(sql, bob!, g, 1, '👍'), false, 'idempotent');
  t.equal(await chat.addReaction(sql, cat!, g, 1, '👍'), true);
  await t.rejects(chat.addReaction(sql, bob!, g, 6, '👍'), NotFound, 'not on a deleted message');
  await t.rejects(chat.addReaction(sql, dan!, g, 1, '👍'), chat.NotAMember);
  const m1 = await chat.findMessage(sql, g, 1);
  t.same(m1?.reactions, [{ emoji: '👍', userIds: [Number(bob), Number(cat)] }]);
  t.equal(await chat.removeReaction(sql, cat!, g, 1, '👍'), true);
  t.equal(await chat.removeReaction(sql, cat!, g, 1, '👍'), false);
  await t.rejects(chat.removeReaction(sql, dan!, g, 1, '👍'), chat.NotAMember);

  // Windows around anchors.
  for (let i = 7; i <= 30; i++) await chat.sendMessage(sql, owner!, g, `m${i}`);
  const newest = await chat.messageWindow(sql, bob!, g, { anchor: 'newest', before: 5, after: 1 });
  t.same(
    newest.messages.map((m) => Number(m.seq)),
    [25, 26, 27, 28, 29, 30],
  );
  t.ok(newest.foundNewest);
  t.notOk(newest.foundOldest);
  await chat.markRead(sql, bob!, g, 10);
  const unread = await chat.messageWindow(sql, bob!, g, { anchor: 'first_unread', before: 1, after: 3 });
  t.equal(unread.anchor, 11);
  t.same(
    unread.messages.map((m) => Number(m.seq)),
    [10, 11, 12, 13],
  );
  const oldest = await chat.messageWindow(sql, bob!, g, { anchor: 3, before: 10, after: 0 });
  t.same(
    oldest.messages.map((m) => Number(m.seq)),
    [1, 2],
  );
  t.ok(oldest.foundOldest);
  const withDeleted = await chat.messageWindow(sql, bob!, g, { anchor: 6, before: 0, after: 1 });
  t.equal(withDeleted.messages[0]!.body, null, 'a deleted message keeps its place');
  t.equal((withDeleted.messages[0]!.attachments as unknown[]).length, 1);
  await t.rejects(chat.messageWindow(sql, dan!, g), NotFound);

  // Members: add, leave, rejoin, removal rights.
  await t.rejects(chat.addMember(sql, bob!, g, dan!), chat.NotAllowed);
  const added = await chat.addMember(sql, owner!, g, dan!);
  t.same([added.last_read_seq, added.unread_count], ['30', 0], 'a new member starts with nothing unread');
  await chat.sendMessage(sql, owner!, g, 'welcome');
  t.equal((await chat.getConversation(sql, g, dan!)).unread_count, 1);
  await t.rejects(chat.removeMember(sql, bob!, g, dan!), chat.NotAllowed);
  const left = await chat.removeMember(sql, dan!, g, dan!);
  t.ok(left.left_at);
  t.equal(left.unread_count, 0);
  await t.rejects(chat.removeMember(sql, dan!, g, dan!), chat.NotAMember);
  await chat.sendMessage(sql, owner!, g, 'after dan left');
  await chat.addMember(sql, owner!, g, dan!);
  t.equal((await chat.getConversation(sql, g, dan!)).unread_count, 0, 'a rejoin starts from now');
  const history =
    await sql`select kind from chat.membership_events where conversation_id = ${g} and user_id = ${dan!} order by id`;
  t.same(
    history.map((h) => h.kind),
    ['join', 'leave', 'join'],
  );
  conv = await chat.getConversation(sql, g, cat!);
  t.ok(conv.unread_count > 0);

  // Inbox: counters and the materialized view agree after a refresh.
  const inbox = await chat.listInbox(sql, cat!);
  t.equal(inbox[0]!.id, g);
  t.equal(inbox[0]!.unread_count, conv.unread_count);
  t.equal(inbox[0]!.last_body, 'after dan left');
  await chat.refreshInbox(sql);
  await chat.refreshInbox(sql); // concurrently, now that it has data
  const view = await chat.listInboxFromView(sql, cat!);
  t.equal(view[0]!.unread_count, String(conv.unread_count));
  t.same(await chat.listConversationIds(sql, cat!), [g]);

  t.equal(await chat.markAllRead(sql, cat!), 1);
  t.equal(await chat.markAllRead(sql, cat!), 0);
  t.equal((await chat.getConversation(sql, g, cat!)).unread_count, 0);
  t.same(await drift(), [], 'every kept count equals the recount');
});

t.test('NOTIFY: small payloads, on commit only, never the body', async (t) => {
  const [a, b] = await makeUsers(sql, 2, 'n');
  const { conversation_id: c } = await chat.openDirect(sql, a!, b!);
  const listener = postgres(url, { max: 1, onnotice: () => {} });
  t.teardown(() => listener.end({ timeout: 1 }));
  const got: string[] = [];
  let wake: () => void = () => {};
  await listener.listen('chat', (p) => {
    got.push(p);
    wake();
  });
  const until = async (n: number) => {
    while (got.length < n) await new Promise<void>((r) => (wake = r));
  };
  const long = 'x'.repeat(4000);
  await chat.sendMessage(sql, a!, c, long);
  await until(1);
  t.same(JSON.parse(got[0]!), { c: Number(c), s: 1, k: 'm' });
  t.ok(got[0]!.length < 80, 'payload stays small whatever the body');
  // A rolled-back send notifies nothing (and leaves no gap).
  await sql
    .begin(async (tx) => {
      await chat.sendMessage(tx, a!, c, 'rolled back');
      await tx`select 1/0`;
    })
    .catch(() => {});
  await chat.sendMessage(sql, a!, c, 'two');
  await chat.sendMessage(sql, a!, c, 'silent', { notify: false });
  await chat.editMessage(sql, a!, c, 2, 'two!');
  await chat.deleteMessage(sql, a!, c, 3);
  await until(4);
  t.same(
    got.map((p) => JSON.parse(p)),
    [
      { c: Number(c), s: 1, k: 'm' },
      { c: Number(c), s: 2, k: 'm' },
      { c: Number(c), s: 2, k: 'e' },
      { c: Number(c), s: 3, k: 'd' },
    ],
    'no notify for the rolled-back send nor the silent one',
  );
  const seqs = await sql`select seq from chat.messages where conversation_id = ${c} order by seq`;
  t.same(
    seqs.map((r) => r.seq),
    ['1', '2', '3'],
    'the rolled-back send left no gap',
  );
  t.ok(
    got.every((p) => !p.includes('two') && !p.includes('xxx')),
    'no body in any payload',
  );
});

t.test('payload parsing and batches', async (t) => {
  t.same(parsePayload('{"c":1,"s":2,"k":"m"}'), [{ c: 1, s: 2, k: 'm' }]);
  t.same(parsePayload('{"b":[[1,2],[3,4]]}'), [
    { c: 1, s: 2, k: 'm' },
    { c: 3, s: 4, k: 'm' },
  ]);
  t.same(parsePayload('nonsense'), []);
  t.same(parsePayload('{"c":"1","k":"m"}'), []);
  t.same(parsePayload('{"c":1,"k":"zz"}'), []);
  const pairs = Array.from({ length: 3000 }, (_, i) => [i + 1, 1_000_000 + i] as [number, number]);
  const out = batches(pairs);
  t.ok(out.length > 1);
  t.ok(out.every((p) => Buffer.byteLength(p) <= 7900));
  t.same(
    out.flatMap((p) => parsePayload(p).map((n) => n.c)),
    pairs.map(([c]) => c),
  );
});

t.test('the hub: fan-out to members, in order, batched notifies, revocation on leave', async (t) => {
  const [a, b, c] = await makeUsers(sql, 3, 'h');
  const g = await chat.createGroup(sql, a!, 'Live', [b!, c!]);
  const hub = new ChatHub(sql, { listenUrl: directUrl });
  t.teardown(() => hub.close());
  const events: Record<string, LiveEvent[]> = { b: [], c: [], inbox: [] };
  let wake: () => void = () => {};
  const push = (k: string) => (e: LiveEvent) => {
    events[k]!.push(e);
    wake();
  };
  const until = async (cond: () => boolean) => {
    while (!cond()) await new Promise<void>((r) => (wake = r));
  };
  let revoked = '';
  await hub.subscribe({
    userId: b!,
    conversations: new Set([g]),
    inbox: false,
    send: push('b'),
    revoked: (id) => (revoked = id),
  });
  await hub.subscribe({ userId: c!, conversations: new Set([g]), inbox: false, send: push('c'), revoked: () => {} });
  const stopInbox = await hub.subscribeInbox(c!, push('inbox'));
  for (let i = 0; i < 20; i++) await chat.sendMessage(sql, a!, g, `n${i}`);
  await until(() => events.b!.length >= 20 && events.c!.length >= 20 && events.inbox!.length >= 20);
  t.same(
    events.b!.map((e) => ('seq' in e ? Number(e.seq) : 0)),
    Array.from({ length: 20 }, (_, i) => i + 1),
    'in sequence order',
  );
  t.equal((events.b![3] as { message: chat.Message }).message.body, 'n3', 'the hub read the body from the table');

  // Batched: no NOTIFY in the send, one per batch afterwards.
  const notifier = new Notifier(sql, { maxDelayMs: 1 });
  for (let i = 0; i < 5; i++) {
    const m = await chat.sendMessage(sql, a!, g, `batch${i}`, { notify: false });
    notifier.push(g, m.seq);
  }
  await notifier.flush();
  t.ok(notifier.sent >= 1 && notifier.sent <= 5);
  await until(() => events.b!.length >= 25);
  t.same(
    events.b!.slice(20).map((e) => ('seq' in e ? Number(e.seq) : 0)),
    [21, 22, 23, 24, 25],
  );

  // b leaves: told, revoked, and no later message reaches them.
  await chat.removeMember(sql, b!, g, b!);
  await chat.sendMessage(sql, a!, g, 'after b left');
  await until(() => events.c!.some((e) => 'message' in e && e.message.body === 'after b left'));
  t.equal(revoked, g);
  t.ok(
    events.b!.some((e) => e.kind === 'leave'),
    'b got the leave',
  );
  t.notOk(
    events.b!.some((e) => 'message' in e && e.message.body === 'after b left'),
    'nothing after the leave',
  );
  // The inbox subscriber follows joins.
  const g2 = await chat.createGroup(sql, a!, 'Second', []);
  await chat.addMember(sql, a!, g2, c!);
  await chat.sendMessage(sql, a!, g2, 'in the second group');
  await until(() => events.inbox!.some((e) => 'message' in e && e.conversationId === g2));
  t.pass('a join adds the conversation to the inbox stream');
  stopInbox();
  t.ok(hub.received > 0);
  t.ok(hub.size >= 1);
});

t.test('the seed: set-based multi-row inserts keep sequences gap-free and counts exact', async (t) => {
  const { seed } = await import('../../src/lib/chat/seed.js');
  const ticks: number[] = [];
  const r = await seed(
    sql,
    { users: 20, groups: 3, membersPerGroup: 5, messagesPerGroup: 60, step: 25, chunk: 2 },
    (d) => ticks.push(d),
  );
  t.equal(r.groupIds.length, 3);
  t.equal(r.messages, 180);
  t.same(ticks, [0, 2, 3], 'progress per chunk');
  for (const g of r.groupIds) {
    const rows = await sql`select seq from chat.messages where conversation_id = ${g} order by seq`;
    t.same(
      rows.map((x) => Number(x.seq)),
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
  }
  t.same(await drift(), [], 'no count drifts after multi-row inserts');
  await t.rejects(seed(sql, { users: 2, groups: 1, membersPerGroup: 5, messagesPerGroup: 1 }), RangeError);
});
