/**
 * Live delivery: one LISTEN connection per process on channel `chat`, fanned out in memory.
 *
 * The database NOTIFYs a small payload on commit (chat.notify: conversation, seq, kind; never the
 * body). The hub reads each pushed message once from the table and hands it to every subscriber
 * of that conversation, in sequence order per conversation. Subscribers are authorized when they
 * subscribe (the caller checks membership) and again on every membership change: a leave NOTIFY
 * ends that member's subscriptions before any later message can reach them (a listener receives
 * notifications in commit order).
 *
 * The LISTEN connection must be a direct session: behind PgBouncer in transaction (or statement)
 * mode, LISTEN runs on whatever server connection the pooler lends for that transaction, and the
 * notifications are lost when it lends it to someone else (pgbouncer#655). Give `listenUrl` a
 * direct URL (CHAT_LISTEN_URL) when DATABASE_URL points at a pooler; nothing is lost for good
 * either way, because a subscriber that sees a gap (or a reconnect of the listener) replays from
 * the table by sequence.
 */
import postgres from 'postgres';
import type { Pool } from '../core/db.js';
import { findMessage, listConversationIds, listMessagesAfter, notifyBatch, type Id, type Message } from './index.js';

/** What a subscriber is told. */
export type LiveEvent =
  | { kind: 'message'; conversationId: string; seq: string; message: Message }
  | { kind: 'edit' | 'delete' | 'reaction'; conversationId: string; seq: string; message: Message }
  | { kind: 'join' | 'leave'; conversationId: string; userId: string }
  /** The listener reconnected: notifications may have been lost; replay from your last sequence. */
  | { kind: 'resync' };

export interface Subscriber {
  userId: string;
  /** The conversations this subscriber follows (live: joins add, leaves remove, for inbox subscribers). */
  conversations: Set<string>;
  /** false: one conversation's stream, ended by a leave. true: every conversation of the user. */
  inbox: boolean;
  send(event: LiveEvent): void;
  /** Called when the subscriber loses the right to its conversation (left or removed). */
  revoked(conversationId: string): void;
}

const KINDS = { m: 'message', e: 'edit', d: 'delete', r: 'reaction', j: 'join', l: 'leave' } as const;
type Note = { c: number; s?: number; u?: number; k: keyof typeof KINDS };

/** Parses one NOTIFY payload: a single note, or a batch `{"b":[[c,s],...]}` of new messages. */
export function parsePayload(payload: string): Note[] {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return [];
  }
  if (!v || typeof v !== 'object') return [];
  const b = (v as { b?: unknown }).b;
  if (Array.isArray(b)) {
    return b
      .filter((p): p is [number, number] => Array.isArray(p) && p.length === 2)
      .map(([c, s]) => ({ c, s, k: 'm' }));
  }
  const n = v as Note;
  return typeof n.c === 'number' && n.k in KINDS ? [n] : [];
}

export interface HubOptions {
  /** A direct (never pooled) URL for the LISTEN session. Default: the pool's own `listen`, which postgres.js runs on a dedicated connection. */
  listenUrl?: string | undefined;
}

export class ChatHub {
  private readonly byConversation = new Map<string, Set<Subscriber>>();
  private readonly chains = new Map<string, Promise<void>>();
  private listening: Promise<{ unlisten(): Promise<void> }> | undefined;
  private listenSql: postgres.Sql | undefined;
  /** Notifications handled (for tests and the bench). */
  received = 0;

  constructor(
    private readonly db: Pool,
    private readonly opts: HubOptions = {},
  ) {}

  /** Starts the LISTEN session once; resolves when it is listening. */
  start(): Promise<void> {
    if (!this.listening) {
      let first = true;
      const sql = this.opts.listenUrl
        ? (this.listenSql = postgres(this.opts.listenUrl, { max: 1, onnotice: () => {} }))
        : this.db;
      this.listening = sql.listen(
        'chat',
        (payload) => this.onPayload(payload),
        () => {
          // postgres.js re-LISTENs after a lost connection and calls this again: whatever was
          // notified meanwhile is gone, so every subscriber replays from its last sequence.
          if (!first) for (const s of this.allSubscribers()) s.send({ kind: 'resync' });
          first = false;
        },
      );
    }
    // A LISTEN that failed (database down) is tried again by the next subscriber, not cached.
    const listening = this.listening;
    return listening.then(
      () => undefined,
      (err: unknown) => {
        if (this.listening === listening) this.listening = undefined;
        throw err;
      },
    );
  }

  /** Stops listening and drops every subscriber. */
  async close(): Promise<void> {
    const l = this.listening;
    this.listening = undefined;
    this.byConversation.clear();
    if (l) await (await l).unlisten().catch(() => {});
    await this.listenSql?.end({ timeout: 1 });
  }

  private allSubscribers(): Set<Subscriber> {
    const all = new Set<Subscriber>();
    for (const set of this.byConversation.values()) for (const s of set) all.add(s);
    return all;
  }

  /** Subscribers currently registered (for tests and the bench). */
  get size(): number {
    return this.allSubscribers().size;
  }

  /** Registers `sub` for its conversations. The caller has checked that the user is a member of each. */
  async subscribe(sub: Subscriber): Promise<() => void> {
    await this.start();
    for (const c of sub.conversations) this.add(c, sub);
    return () => {
      for (const c of sub.conversations) this.remove(c, sub);
      sub.conversations.clear();
    };
  }

  /** An inbox subscriber: every current conversation of the user, joins and leaves followed live. */
  async subscribeInbox(userId: Id, send: (e: LiveEvent) => void): Promise<() => void> {
    const sub: Subscriber = {
      userId: String(userId),
      conversations: new Set(),
      inbox: true,
      send,
      revoked: () => {},
    };
    await this.start();
    // Joins while we read the list are followed through the user index below, so none is missed.
    this.userIndex(sub.userId).add(sub);
    for (const c of await listConversationIds(this.db, userId)) {
      sub.conversations.add(c);
      this.add(c, sub);
    }
    return () => {
      this.users.get(sub.userId)?.delete(sub);
      for (const c of sub.conversations) this.remove(c, sub);
    };
  }

  private readonly users = new Map<string, Set<Subscriber>>();
  private userIndex(userId: string): Set<Subscriber> {
    let set = this.users.get(userId);
    if (!set) this.users.set(userId, (set = new Set()));
    return set;
  }

  private add(c: string, sub: Subscriber) {
    let set = this.byConversation.get(c);
    if (!set) this.byConversation.set(c, (set = new Set()));
    set.add(sub);
  }

  private remove(c: string, sub: Subscriber) {
    const set = this.byConversation.get(c);
    if (!set) return;
    set.delete(sub);
    if (!set.size) this.byConversation.delete(c);
  }

  private onPayload(payload: string) {
    for (const n of parsePayload(payload)) {
      this.received++;
      const c = String(n.c);
      // One chain per conversation: pushes keep their sequence order even though each needs a read.
      const prev = this.chains.get(c) ?? Promise.resolve();
      const next = prev.then(() => this.handle(c, n)).catch(() => {});
      this.chains.set(c, next);
      void next.then(() => {
        if (this.chains.get(c) === next) this.chains.delete(c);
      });
    }
  }

  private async handle(c: string, n: Note) {
    if (n.k === 'j' || n.k === 'l') {
      const userId = String(n.u);
      const event: LiveEvent = { kind: KINDS[n.k], conversationId: c, userId };
      if (n.k === 'l') {
        for (const s of [...(this.byConversation.get(c) ?? [])]) {
          if (s.userId !== userId) continue;
          this.remove(c, s);
          s.conversations.delete(c);
          s.send(event);
          s.revoked(c);
        }
      } else {
        for (const s of this.users.get(userId) ?? []) {
          if (s.conversations.has(c)) continue;
          s.conversations.add(c);
          this.add(c, s);
        }
      }
      for (const s of this.byConversation.get(c) ?? []) s.send(event);
      return;
    }
    const subs = this.byConversation.get(c);
    if (!subs?.size || n.s === undefined) return;
    const message = await findMessage(this.db, c, n.s);
    if (!message) return;
    const event = { kind: KINDS[n.k], conversationId: c, seq: String(n.s), message } as LiveEvent;
    for (const s of this.byConversation.get(c) ?? []) s.send(event);
  }

  /** Replay for a resuming subscriber: the messages after `seq`, from the table. */
  replay(conversationId: Id, seq: Id, limit = 500): Promise<Message[]> {
    return listMessagesAfter(this.db, conversationId, seq, limit);
  }
}

export interface NotifierOptions {
  /** Longest a committed message waits for its NOTIFY, ms. Default 2. */
  maxDelayMs?: number;
}

/**
 * NOTIFY per batch of commits: writers send with `notify: false` and hand (conversation, seq)
 * here after their commit; one `pg_notify` carries every pair queued within `maxDelayMs` (split
 * below 7,900 bytes). PostgreSQL then takes its global notify lock at one commit per batch rather
 * than at every send's commit. The price: a process that dies between a send's commit and the
 * flush loses that push (the message itself is committed; subscribers get it on their next gap
 * or resync), and writers outside this process must notify for themselves.
 */
export class Notifier {
  private queue: [number, number][] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** NOTIFYs sent. */
  sent = 0;

  constructor(
    private readonly db: Pool,
    private readonly opts: NotifierOptions = {},
  ) {}

  /** Queues the push of a committed message. */
  push(conversationId: Id, seq: Id): void {
    this.queue.push([Number(conversationId), Number(seq)]);
    this.timer ??= setTimeout(() => void this.flush(), this.opts.maxDelayMs ?? 2);
  }

  /** Sends what is queued now; resolves when it is sent. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const pairs = this.queue;
    this.queue = [];
    this.flushing = this.flushing.then(async () => {
      for (const payload of batches(pairs)) {
        await notifyBatch(this.db, payload);
        this.sent++;
      }
    });
    return this.flushing;
  }
}

/** Payloads `{"b":[[c,s],...]}` of at most 7,900 bytes each. */
export function batches(pairs: [number, number][], maxBytes = 7900): string[] {
  const out: string[] = [];
  let parts: string[] = [];
  let size = 8;
  for (const [c, s] of pairs) {
    const part = `[${c},${s}]`;
    if (parts.length && size + part.length + 1 > maxBytes) {
      out.push(`{"b":[${parts.join(',')}]}`);
      parts = [];
      size = 8;
    }
    parts.push(part);
    size += part.length + 1;
  }
  if (parts.length) out.push(`{"b":[${parts.join(',')}]}`);
  return out;
}
