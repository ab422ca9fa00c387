/**
 * pg-grind/chat: conversations whose guarantees live in PostgreSQL. Sequences are gap-free per
 * conversation (assigned under the conversation row lock), receipts and unread counts are kept by
 * triggers, and every change NOTIFYs a small payload on commit; `live.ts` fans those out to
 * subscribers. Every function takes `db` (pool or transaction) first; the SQL is in sql/chat/.
 */
import { exec, loadSql, many, maybeOne, type Db, type RowOf } from '../core/db.js';
import { found, NotFound } from '../core/errors.js';
import { pageLimit, type PageSize } from '../core/page.js';
import { hashPassword, verifyNothing, verifyPassword } from '../core/password.js';
import { assertSecret, InvalidToken, signToken, verifyToken } from '../core/token.js';
import { NotAMember } from './errors.js';

export * from './errors.js';

const q = loadSql('chat', [
  'create_user',
  'find_credentials',
  'find_user',
  'open_direct',
  'create_group',
  'find_conversation',
  'list_inbox',
  'list_inbox_mv',
  'refresh_inbox',
  'list_conversation_ids',
  'list_members',
  'add_member',
  'remove_member',
  'send_message',
  'edit_message',
  'delete_message',
  'mark_read',
  'mark_all_read',
  'list_messages_before',
  'list_messages_after',
  'find_message',
  'add_reaction',
  'remove_reaction',
  'notify_batch',
]);

export type Id = string | number;
export type User = RowOf<typeof q.find_user>;
export type Conversation = RowOf<typeof q.find_conversation>;
export type InboxEntry = RowOf<typeof q.list_inbox>;
export type InboxViewEntry = RowOf<typeof q.list_inbox_mv>;
export type Member = RowOf<typeof q.list_members>;
export type Membership = RowOf<typeof q.add_member>;
/** A message as sent, edited or deleted (no reactions or attachments). */
export type MessageRow = RowOf<typeof q.send_message>;
/** A message with its reactions and attachments, as windows and pushes carry it. */
export type Message = RowOf<typeof q.find_message>;
export type Role = 'owner' | 'admin' | 'member';
export const ROLES: readonly Role[] = ['owner', 'admin', 'member'];

export interface Attachment {
  filename: string;
  contentType: string;
  sizeBytes: number;
  url: string;
}

// ---------------------------------------------------------------------------------------------
// Accounts and tokens

/** Bearer tokens: HS256 JWTs (src/lib/core/token.ts). `secret` has at least 32 bytes. */
export interface TokenOptions {
  secret: string | Buffer;
  /** Bearer token lifetime, default 24 h. */
  ttlSeconds?: number;
}

/** The `aud` of chat bearer tokens (another project's token with the same secret is refused). */
export const TOKEN_AUDIENCE = 'pg-grind/chat';
/** The `aud` of stream tickets: they open GET /chat/stream and nothing else. */
export const TICKET_AUDIENCE = 'pg-grind/chat-stream';
/** Stream tickets live 5 minutes: enough for EventSource's reconnects, short if one leaks. */
export const TICKET_TTL_SECONDS = 300;

const issueToken = (userId: string, tokens: TokenOptions) =>
  signToken(userId, tokens.secret, { ttlSeconds: tokens.ttlSeconds ?? 24 * 3600, audience: TOKEN_AUDIENCE });

export interface NewUser {
  email: string;
  password: string;
  name: string;
}

/** Creates a user; returns a bearer token and the user. Throws UniqueViolation (users_email_key), CheckViolation. */
export async function signup(db: Db, input: NewUser, tokens: TokenOptions): Promise<{ token: string; user: User }> {
  assertSecret(tokens.secret);
  const hash = await hashPassword(input.password);
  const [user] = await many(db, q.create_user, [input.email.toLowerCase(), input.name, hash]);
  return { token: issueToken(user!.id, tokens), user: user! };
}

/** A bearer token for a correct email and password, or undefined (an unknown email costs the same scrypt). */
export async function login(db: Db, email: string, password: string, tokens: TokenOptions) {
  const cred = await maybeOne(db, q.find_credentials, [email.toLowerCase()]);
  if (!cred) return verifyNothing(password).then(() => undefined);
  if (!(await verifyPassword(password, cred.password_hash))) return undefined;
  return { token: issueToken(cred.id, tokens), userId: cred.id };
}

function subjectOf(token: string, secret: string | Buffer, audience: string): string | undefined {
  try {
    const sub = verifyToken(token, secret, { audience }).sub;
    return /^[1-9][0-9]{0,18}$/.test(sub) ? sub : undefined;
  } catch (err) {
    if (err instanceof InvalidToken) return undefined;
    throw err;
  }
}

/** The user id of a valid chat bearer token, or undefined. */
export function authenticate(token: string, tokens: TokenOptions): string | undefined {
  return subjectOf(token, tokens.secret, TOKEN_AUDIENCE);
}

/** A stream ticket for the user: TICKET_TTL_SECONDS, audience TICKET_AUDIENCE (never a bearer token). */
export function issueStreamTicket(userId: Id, tokens: TokenOptions): string {
  return signToken(String(userId), tokens.secret, { ttlSeconds: TICKET_TTL_SECONDS, audience: TICKET_AUDIENCE });
}

/** The user id of a valid stream ticket, or undefined. */
export function verifyStreamTicket(ticket: string, tokens: TokenOptions): string | undefined {
  return subjectOf(ticket, tokens.secret, TICKET_AUDIENCE);
}

/** The user; throws NotFound. */
export async function getUser(db: Db, id: Id): Promise<User> {
  return found(await maybeOne(db, q.find_user, [id]), 'user');
}

// ---------------------------------------------------------------------------------------------
// Conversations and members

/** The direct conversation of the two users, created the first time. Throws ForeignKeyViolation, CheckViolation (oneself). */
export async function openDirect(db: Db, userId: Id, otherId: Id) {
  const [row] = await many(db, q.open_direct, [userId, otherId]);
  return row!;
}

/** Creates a group owned by `ownerId`; returns its id. Throws ForeignKeyViolation (unknown member), CheckViolation. */
export async function createGroup(db: Db, ownerId: Id, name: string, memberIds: Id[] = []): Promise<string> {
  const [row] = await many(db, q.create_group, [ownerId, name, memberIds.map(String)]);
  return row!.id;
}

/** The conversation as the user sees it; throws NotFound when they are not a current member. */
export async function getConversation(db: Db, conversationId: Id, userId: Id): Promise<Conversation> {
  return found(await maybeOne(db, q.find_conversation, [conversationId, userId]), 'conversation');
}

/** Inbox pages: 50 conversations by default, at most 500. */
export const INBOX_SIZE: PageSize = { default: 50, max: 500 };

/** The user's conversations, latest activity first, with the trigger-kept unread counts. */
export function listInbox(db: Db, userId: Id, limit?: number): Promise<InboxEntry[]> {
  return many(db, q.list_inbox, [userId, pageLimit(limit, INBOX_SIZE)]);
}

/** The same inbox from the materialized view (stale until refreshInbox): for the comparison in bench/chat.ts. */
export function listInboxFromView(db: Db, userId: Id, limit?: number): Promise<InboxViewEntry[]> {
  return many(db, q.list_inbox_mv, [userId, pageLimit(limit, INBOX_SIZE)]);
}

/** REFRESH MATERIALIZED VIEW CONCURRENTLY chat.inbox. */
export async function refreshInbox(db: Db): Promise<void> {
  await many(db, q.refresh_inbox);
}

/** Ids of the user's current conversations. */
export async function listConversationIds(db: Db, userId: Id): Promise<string[]> {
  return (await many(db, q.list_conversation_ids, [userId])).map((r) => r.conversation_id);
}

/** Current members with their receipts; throws NotFound when the caller is not a member. */
export async function listMembers(db: Db, conversationId: Id, userId: Id): Promise<Member[]> {
  await getConversation(db, conversationId, userId);
  return many(db, q.list_members, [conversationId]);
}

/** Adds (or re-adds) a group member. Throws NotAMember, NotAllowed, ForeignKeyViolation, CheckViolation. */
export async function addMember(db: Db, actorId: Id, conversationId: Id, userId: Id, role: Role = 'member') {
  const [row] = await many(db, q.add_member, [actorId, conversationId, userId, role]);
  return row!;
}

/** Leaves a group (userId = actorId) or removes a member. Throws NotAMember, NotAllowed, CheckViolation. */
export async function removeMember(db: Db, actorId: Id, conversationId: Id, userId: Id) {
  const [row] = await many(db, q.remove_member, [actorId, conversationId, userId]);
  return row!;
}

// ---------------------------------------------------------------------------------------------
// Messages

export interface SendOptions {
  attachments?: Attachment[];
  /** NOTIFY inside the send's transaction (default). false: the caller batches (see live.ts `Notifier`). */
  notify?: boolean;
}

/** Sends a message; returns it with its sequence. Throws NotAMember, CheckViolation. */
export async function sendMessage(
  db: Db,
  senderId: Id,
  conversationId: Id,
  body: string,
  opts: SendOptions = {},
): Promise<MessageRow> {
  const [row] = await many(db, q.send_message, [
    senderId,
    conversationId,
    body,
    opts.attachments ?? [],
    opts.notify ?? true,
  ]);
  return row!;
}

/** Edits a message (its sender). Throws NotAMember, NotAllowed, NoSuchMessage, CheckViolation. */
export async function editMessage(db: Db, userId: Id, conversationId: Id, seq: Id, body: string) {
  const [row] = await many(db, q.edit_message, [userId, conversationId, seq, body]);
  return row!;
}

/** Deletes a message (sender or group admin). Throws NotAMember, NotAllowed, NoSuchMessage. */
export async function deleteMessage(db: Db, userId: Id, conversationId: Id, seq: Id) {
  const [row] = await many(db, q.delete_message, [userId, conversationId, seq]);
  return row!;
}

/** Moves the receipt forward to `seq`; returns the receipt and unread count. Throws NotAMember. */
export async function markRead(db: Db, userId: Id, conversationId: Id, seq: Id) {
  const [row] = await many(db, q.mark_read, [userId, conversationId, seq]);
  return row!;
}

/** Marks every conversation of the user read; returns how many changed. */
export async function markAllRead(db: Db, userId: Id): Promise<number> {
  const [row] = await many(db, q.mark_all_read, [userId]);
  return row!.changed;
}

/** Where a window is anchored: the newest message, the first unread one, or a sequence. */
export type Anchor = 'newest' | 'first_unread' | number;

export interface WindowOptions {
  anchor?: Anchor;
  /** Messages before the anchor (default 25, at most 200). */
  before?: number;
  /** Messages from the anchor on, the anchor included (default 25, at most 200). */
  after?: number;
}

export interface MessageWindow {
  conversation: Conversation;
  /** The sequence the window is anchored at. */
  anchor: number;
  messages: Message[];
  /** The window starts at the first message. */
  foundOldest: boolean;
  /** The window ends at the newest message (as of this read). */
  foundNewest: boolean;
}

const WINDOW_SIZE: PageSize = { default: 25, max: 200, min: 0 };

/**
 * Messages around an anchor, ascending (Zulip's anchor + num_before + num_after): `before`
 * messages older than the anchor and `after` from the anchor on. Throws NotFound for non-members.
 */
export async function messageWindow(
  db: Db,
  userId: Id,
  conversationId: Id,
  opts: WindowOptions = {},
): Promise<MessageWindow> {
  const conversation = await getConversation(db, conversationId, userId);
  const last = Number(conversation.last_seq);
  const asked = opts.anchor ?? 'newest';
  const anchor =
    asked === 'newest'
      ? last
      : asked === 'first_unread'
        ? Math.min(Number(conversation.last_read_seq) + 1, last)
        : Math.max(0, Math.min(asked, last + 1));
  const before = pageLimit(opts.before, WINDOW_SIZE);
  const after = pageLimit(opts.after, WINDOW_SIZE);
  const [older, newer] = await Promise.all([
    before ? many(db, q.list_messages_before, [conversationId, anchor, before]) : [],
    after ? many(db, q.list_messages_after, [conversationId, anchor - 1, after]) : [],
  ]);
  const messages = [...older.reverse(), ...newer];
  return {
    conversation,
    anchor,
    messages,
    foundOldest: older.length < before || Number(messages[0]?.seq ?? 1) <= 1,
    foundNewest: newer.length < after || Number(messages[messages.length - 1]?.seq ?? last) >= last,
  };
}

/** Up to `limit` messages after `seq`, ascending: the replay of a resuming subscriber (who was checked). */
export function listMessagesAfter(db: Db, conversationId: Id, seq: Id, limit = 500): Promise<Message[]> {
  return many(db, q.list_messages_after, [conversationId, seq, limit]);
}

/** One message with reactions and attachments, or undefined. */
export function findMessage(db: Db, conversationId: Id, seq: Id): Promise<Message | undefined> {
  return maybeOne(db, q.find_message, [conversationId, seq]);
}

/** Reacts to a live message; returns whether a new reaction was stored. Throws NotAMember, NoSuchMessage. */
export async function addReaction(db: Db, userId: Id, conversationId: Id, seq: Id, emoji: string): Promise<boolean> {
  const [row] = await many(db, q.add_reaction, [userId, conversationId, seq, emoji]);
  if (!row!.allowed) throw notAMember('chat/add_reaction');
  if (!row!.found) throw new NotFound('message', 'chat/add_reaction');
  return row!.added;
}

/** Takes a reaction back; returns whether there was one. Throws NotAMember. */
export async function removeReaction(db: Db, userId: Id, conversationId: Id, seq: Id, emoji: string) {
  const [row] = await many(db, q.remove_reaction, [userId, conversationId, seq, emoji]);
  if (!row!.allowed) throw notAMember('chat/remove_reaction');
  return row!.removed;
}

const notAMember = (statement: string) =>
  new NotAMember('not a member of this conversation', {
    code: 'CH001',
    schema: 'chat',
    table: 'members',
    constraint: 'members_current',
    statement,
  });

/** One NOTIFY on channel `chat` with `payload` (batched mode of live.ts). */
export async function notifyBatch(db: Db, payload: string): Promise<void> {
  await exec(db, q.notify_batch, [payload]);
}
