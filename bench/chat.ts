/**
 * `npm run bench -- chat`: two comparisons, each side measured in the same run.
 *
 * 1. The inbox: trigger-kept counters (chat.members.unread_count, what the API serves) against
 *    the materialized view chat.inbox, at each size of CHAT_BENCH_INBOX_MESSAGES (messages per
 *    group; default 100,2000), 200 users in 100 groups of 20: read p50/p99 of one user's inbox both
 *    ways, and what the view costs to REFRESH CONCURRENTLY (it is stale in between).
 * 2. Live delivery: CHAT_BENCH_SUBSCRIBERS (default 1,000) SSE streams of the real HTTP app over
 *    CHAT_BENCH_GROUPS (default 100) groups, one LISTEN connection; messages sent at each fixed rate
 *    of CHAT_BENCH_RATES (default 250,500,1000 per second) for CHAT_BENCH_SECONDS (default 5), with
 *    NOTIFY per message (in each send's transaction) and NOTIFY per batch of commits (live.ts
 *    Notifier), alternated: messages/s achieved, send-to-receive p50/p99 over every delivery, and
 *    deliveries lost (expected = messages x members of the group).
 */
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/http/core/app.js';
import * as chat from '../src/lib/chat/index.js';
import { type ChatHub, Notifier } from '../src/lib/chat/live.js';
import { seed } from '../src/lib/chat/seed.js';
import { connect } from '../src/lib/core/db.js';
import { signToken } from '../src/lib/core/token.js';
import { benchServer, freshDatabase, progress, report, type Row } from './lib.js';

const env = process.env;
// The app's access log would report every stream the bench closes at the end as aborted.
env.LOG_LEVEL ??= 'error';
const inboxSizes = (env.CHAT_BENCH_INBOX_MESSAGES ?? '100,2000').split(',').map(Number);
const subscribers = Number(env.CHAT_BENCH_SUBSCRIBERS ?? 1000);
const groups = Number(env.CHAT_BENCH_GROUPS ?? 100);
const rates = (env.CHAT_BENCH_RATES ?? '250,500,1000').split(',').map(Number);
const seconds = Number(env.CHAT_BENCH_SECONDS ?? 5);
const reads = Number(env.CHAT_BENCH_READS ?? 300);

const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const server = await benchServer();
const rows: Row[] = [];
const notes: Record<string, unknown> = { inboxSizes, subscribers, groups, rates, seconds };

// ---------------------------------------------------------------------------------------------
// 1. inbox: counters vs materialized view

for (const perGroup of inboxSizes) {
  const database = await freshDatabase(server, `chat_inbox_${perGroup}`);
  const pool = connect(database.url, { max: 2, applicationName: 'pg-grind-bench-chat' });
  try {
    const s = await seed(pool, { users: 200, groups: 100, membersPerGroup: 20, messagesPerGroup: perGroup }, (d, n) =>
      progress(`seeding ${perGroup} messages per group`, d, n),
    );
    await pool`vacuum analyze chat.messages, chat.members, chat.conversations`;
    const t0 = performance.now();
    await chat.refreshInbox(pool); // first fill (plain REFRESH: the view has no data yet)
    const fill = performance.now() - t0;
    const refreshes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r0 = performance.now();
      await chat.refreshInbox(pool);
      refreshes.push(performance.now() - r0);
    }
    const users = Array.from({ length: 200 }, (_, i) => String(Number(s.firstUserId) + i));
    const counters: number[] = [];
    const view: number[] = [];
    for (let i = 0; i < reads; i++) {
      const u = users[i % users.length]!;
      // Alternated, so that drift of the machine hits both sides alike.
      const a = performance.now();
      await chat.listInbox(pool, u, 50);
      counters.push(performance.now() - a);
      const b = performance.now();
      await chat.listInboxFromView(pool, u, 50);
      view.push(performance.now() - b);
    }
    rows.push({
      case: `inbox, ${perGroup.toLocaleString('en-US')} msgs/group (${s.messages.toLocaleString('en-US')} msgs)`,
      'counters p50 ms': pct(counters, 0.5),
      'counters p99 ms': pct(counters, 0.99),
      'view p50 ms': pct(view, 0.5),
      'view p99 ms': pct(view, 0.99),
      'refresh ms': pct(refreshes, 0.5),
      'first fill ms': fill,
    });
  } finally {
    await pool.end();
    await database.drop();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. live delivery: 1,000 SSE subscribers, NOTIFY per message vs per batch

const database = await freshDatabase(server, 'chat_live');
const secret = 'bench-chat-secret-0123456789abcdef0123';
process.env.CHAT_TOKEN_SECRET = secret;
const pool = connect(database.url, { max: 10, applicationName: 'pg-grind-bench-chat' });
const senders = connect(database.url, { max: 8, applicationName: 'pg-grind-bench-chat-senders' });
const membersPerGroup = Math.max(1, Math.floor(subscribers / groups));
const app = createApp({ sql: pool, corsOrigins: [] });
const http = await new Promise<import('node:http').Server>((r) => {
  const s = app.listen(0, '127.0.0.1', () => r(s));
});
const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
const hub = (app.apis.find((a) => a.prefix === '/chat') as unknown as { hub: ChatHub }).hub;
const controllers: AbortController[] = [];
try {
  const s = await seed(
    pool,
    { users: membersPerGroup * groups, groups, membersPerGroup, messagesPerGroup: 1 },
    (d, n) => progress('seeding the live groups', d, n),
  );
  const members = await pool<{ conversation_id: string; user_id: string }[]>`
    select conversation_id, user_id from chat.members where conversation_id = any(${s.groupIds}::bigint[])
     order by conversation_id, user_id`;
  const senderOf = new Map<string, string>();
  for (const m of members) if (!senderOf.has(m.conversation_id)) senderOf.set(m.conversation_id, m.user_id);

  const latencies: number[] = [];
  let received = 0;
  let wake: () => void = () => {};
  const decoder = () => new TextDecoder();
  const open = async (m: (typeof members)[number]) => {
    const token = signToken(m.user_id, secret, { ttlSeconds: 3600, audience: chat.TOKEN_AUDIENCE });
    const ac = new AbortController();
    controllers.push(ac);
    const res = await fetch(`${base}/chat/stream?conversation=${m.conversation_id}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ac.signal,
    });
    if (res.status !== 200) throw new Error(`stream ${res.status}`);
    const reader = res.body!.getReader();
    const dec = decoder();
    let buf = '';
    void (async () => {
      for (;;) {
        const r = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (r.done) return;
        buf += dec.decode(r.value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (!block.includes('event: message')) continue;
          const data = block.slice(block.indexOf('data: ') + 6);
          const body = (JSON.parse(data) as { body: string }).body;
          const at = /^t:(\d+(\.\d+)?)$/.exec(body);
          if (!at) continue;
          latencies.push(performance.now() - Number(at[1]));
          received++;
          wake();
        }
      }
    })();
  };
  progress('opening SSE streams', 0, members.length);
  for (let i = 0; i < members.length; i += 50) {
    await Promise.all(members.slice(i, i + 50).map(open));
    progress('opening SSE streams', Math.min(i + 50, members.length), members.length);
  }
  // Every stream subscribed (the handler subscribes after its headers went out).
  while (hub.size < members.length) await sleep(10);

  const notifier = new Notifier(pool, { maxDelayMs: 2 });
  const run = async (rate: number, mode: 'per message' | 'per batch', record = true) => {
    latencies.length = 0;
    received = 0;
    const sentBefore = notifier.sent;
    const total = Math.round(rate * seconds);
    const inflight = new Set<Promise<unknown>>();
    let sent = 0;
    let failed = 0;
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const now = performance.now();
      if (due > now) await sleep(due - now);
      const g = s.groupIds[i % s.groupIds.length]!;
      const body = `t:${performance.now()}`;
      const p =
        mode === 'per message'
          ? chat.sendMessage(senders, senderOf.get(g)!, g, body)
          : chat
              .sendMessage(senders, senderOf.get(g)!, g, body, { notify: false })
              .then((m) => notifier.push(g, m.seq));
      const tracked = p.then(
        () => void sent++,
        () => void failed++,
      );
      inflight.add(tracked);
      void tracked.finally(() => inflight.delete(tracked));
      // Back-pressure: a rate the machine cannot sustain shows as fewer messages/s, not a pile-up.
      if (inflight.size >= 64) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    const elapsed = (performance.now() - start) / 1000;
    const expected = sent * membersPerGroup;
    const deadline = performance.now() + 10_000;
    while (received < expected && performance.now() < deadline) {
      await Promise.race([new Promise<void>((r) => (wake = r)), sleep(100)]);
    }
    if (!record) return;
    rows.push({
      case: `live ${rate}/s, NOTIFY ${mode}`,
      'sent msgs/s': sent / elapsed,
      'send errors': failed,
      deliveries: received,
      lost: expected - received,
      'p50 ms': pct(latencies, 0.5),
      'p99 ms': pct(latencies, 0.99),
      notifies: mode === 'per message' ? sent : notifier.sent - sentBefore,
    });
  };
  // Warm-up, not recorded: the first messages to fresh streams pay for JIT and first plans.
  await run(rates[0]!, 'per message', false);
  await run(rates[0]!, 'per batch', false);
  for (const rate of rates) {
    await run(rate, 'per message');
    await run(rate, 'per batch');
  }
  notes.subscribersConnected = members.length;
} finally {
  for (const ac of controllers) ac.abort();
  http.closeAllConnections();
  http.close();
  await hub.close();
  await senders.end();
  await pool.end();
  await database.drop();
}

report('chat', server, rows, notes);
await server.stop();
