/**
 * /chat: users, conversations, messages, receipts and unread counts over pg-grind/chat, a
 * Server-Sent Events stream fed by the one LISTEN connection of this process (src/lib/chat/live.ts),
 * and a small chat page at /chat/ (static HTML and JavaScript, no build step).
 *
 * Every route but signup and login needs `Authorization: Bearer <token>`. The stream also takes the
 * `chat_stream` cookie that `POST /chat/stream-session` sets, because a browser's EventSource
 * cannot send an Authorization header: the cookie holds a 5-minute stream ticket (audience
 * pg-grind/chat-stream, useless as a bearer token), is HttpOnly, SameSite=Strict and scoped to
 * Path=/chat/stream, so no token ever appears in a URL that an access log or a proxy records.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Type, type Static, type TProperties } from '@sinclair/typebox';
import type { Request, Response } from 'express';
import type { Pool } from '../lib/core/db.js';
import { packageRoot } from '../lib/core/paths.js';
import { assertSecret } from '../lib/core/token.js';
import * as chat from '../lib/chat/index.js';
import { ChatHub, Notifier, type LiveEvent } from '../lib/chat/live.js';
import { Api } from './core/api.js';
import { HttpError, explainConstraint, registerProblem } from './core/problem.js';
import { DateTime, Id, Nullable, PathIds, StringEnum } from './core/schemas.js';

explainConstraint('chat', 'users_email_key', { field: 'email', message: 'an account with this email already exists' });
explainConstraint('chat', 'users_email_check', { field: 'email', message: 'email must look like name@domain' });
explainConstraint('chat', 'users_name_length', { field: 'name', message: 'name must be 1 to 100 characters' });
explainConstraint('chat', 'conversations_name_length', { field: 'name', message: 'name must be 1 to 200 characters' });
explainConstraint('chat', 'conversations_direct_shape', {
  field: 'userId',
  message: 'a direct conversation needs another user',
});
explainConstraint('chat', 'conversations_direct_members_fixed', {
  field: 'userId',
  message: 'a direct conversation keeps its two members',
});
explainConstraint('chat', 'members_user_id_fkey', { field: 'userId', message: 'no such user' });
explainConstraint('chat', 'messages_body_length', { field: 'body', message: 'body must be 1 to 4000 characters' });
registerProblem(chat.NotAMember, () => ({
  status: 404,
  title: 'Not found',
  detail: 'no such conversation (or you are not a member of it)',
}));
registerProblem(chat.NotAllowed, (err) => ({
  status: 403,
  title: 'Forbidden',
  detail: 'your role or authorship does not allow this',
  ...(err.constraint ? { constraint: err.constraint } : {}),
}));
registerProblem(chat.NoSuchMessage, () => ({ status: 404, title: 'Not found', detail: 'no such message' }));

const obj = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });
const time = DateTime();
const seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const email = Type.String({ format: 'email', maxLength: 320 });
const body = Type.String({ minLength: 1, maxLength: 4000 });
const emoji = Type.String({ minLength: 1, maxLength: 32 });

const UserJson = obj({ id: Id, email: Type.String(), name: Type.String() });
const AttachmentIn = obj({
  filename: Type.String({ minLength: 1, maxLength: 255 }),
  contentType: Type.String({ pattern: '^[a-z0-9.+-]+/[a-z0-9.+-]+$', maxLength: 255 }),
  sizeBytes: Type.Integer({ minimum: 0, maximum: 1073741824 }),
  url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }),
});
const AttachmentJson = obj({
  id: Id,
  filename: Type.String(),
  contentType: Type.String(),
  sizeBytes: Type.Integer(),
  url: Type.String(),
});
const MessageJson = obj({
  conversationId: Id,
  seq: Id,
  senderId: Nullable(Id),
  body: Nullable(Type.String()),
  createdAt: time,
  editedAt: Nullable(Type.String({ format: 'date-time' })),
  deletedAt: Nullable(Type.String({ format: 'date-time' })),
  reactions: Type.Array(obj({ emoji: Type.String(), userIds: Type.Array(Id) })),
  attachments: Type.Array(AttachmentJson),
});
const ConversationJson = obj({
  id: Id,
  kind: StringEnum(['direct', 'group']),
  name: Nullable(Type.String()),
  lastSeq: seq,
  lastMessageAt: Nullable(Type.String({ format: 'date-time' })),
  role: StringEnum(chat.ROLES),
  lastReadSeq: seq,
  unreadCount: Type.Integer({ minimum: 0 }),
});
const InboxJson = obj({
  id: Id,
  kind: StringEnum(['direct', 'group']),
  name: Nullable(Type.String()),
  peer: Nullable(obj({ id: Id, name: Type.String() })),
  lastSeq: seq,
  lastMessageAt: Nullable(Type.String({ format: 'date-time' })),
  lastMessage: Nullable(obj({ senderId: Nullable(Id), body: Nullable(Type.String()) })),
  lastReadSeq: seq,
  unreadCount: Type.Integer({ minimum: 0 }),
});
const MemberJson = obj({
  userId: Id,
  name: Type.String(),
  role: StringEnum(chat.ROLES),
  joinedAt: time,
  lastReadSeq: seq,
});
const ReceiptJson = obj({ userId: Id, lastReadSeq: seq });
const ReadJson = obj({ lastReadSeq: seq, unreadCount: Type.Integer({ minimum: 0 }) });

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const num = (v: string | null) => (v === null ? null : Number(v));

type MessageLike = chat.MessageRow & Partial<Pick<chat.Message, 'reactions' | 'attachments'>>;
function message(m: MessageLike): Static<typeof MessageJson> {
  return {
    conversationId: Number(m.conversation_id),
    seq: Number(m.seq),
    senderId: num(m.sender_id),
    body: m.body,
    createdAt: m.created_at.toISOString(),
    editedAt: iso(m.edited_at),
    deletedAt: iso(m.deleted_at),
    reactions: (m.reactions ?? []) as Static<typeof MessageJson>['reactions'],
    attachments: (m.attachments ?? []) as Static<typeof MessageJson>['attachments'],
  };
}
const conversation = (c: chat.Conversation): Static<typeof ConversationJson> => ({
  id: Number(c.id),
  kind: c.kind as 'direct' | 'group',
  name: c.name,
  lastSeq: Number(c.last_seq),
  lastMessageAt: iso(c.last_message_at),
  role: c.role as chat.Role,
  lastReadSeq: Number(c.last_read_seq),
  unreadCount: c.unread_count,
});
const inboxEntry = (e: chat.InboxEntry): Static<typeof InboxJson> => ({
  id: Number(e.id),
  kind: e.kind as 'direct' | 'group',
  name: e.name,
  peer: e.peer_id === null ? null : { id: Number(e.peer_id), name: e.peer_name ?? '' },
  lastSeq: Number(e.last_seq),
  lastMessageAt: iso(e.last_message_at),
  lastMessage: e.last_seq === '0' ? null : { senderId: num(e.last_sender_id), body: e.last_body },
  lastReadSeq: Number(e.last_read_seq),
  unreadCount: e.unread_count,
});
const member = (m: chat.Member): Static<typeof MemberJson> => ({
  userId: Number(m.user_id),
  name: m.name,
  role: m.role as chat.Role,
  joinedAt: m.joined_at.toISOString(),
  lastReadSeq: Number(m.last_read_seq),
});

/**
 * A weak validator from the response body: these reads change with every message, so there is no
 * row version to use; a client polling an unchanged inbox or window still gets 304 and no body.
 * `Cache-Control: private, no-cache`: only the user's own cache may keep it, and must revalidate.
 */
function sendCached(req: Request, res: Response, json: unknown) {
  const text = JSON.stringify(json);
  const tag = `W/"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
  res.set({ ETag: tag, 'Cache-Control': 'private, no-cache' });
  const inm = req.get('if-none-match');
  if (inm?.split(',').some((t) => t.trim() === tag)) {
    res.status(304).end();
    return;
  }
  res.type('application/json').send(text);
}
const cachedHeaders = {
  ETag: { description: 'weak validator of this body, for If-None-Match', schema: { type: 'string' } },
  'Cache-Control': { description: 'private, no-cache', schema: { type: 'string' } },
};
const ifNoneMatch = Type.Object({ 'if-none-match': Type.Optional(Type.String({ maxLength: 1000 })) });

export interface ChatApiOptions {
  /** HMAC key of bearer tokens and stream tickets, at least 32 bytes. Default CHAT_TOKEN_SECRET, else random per process. */
  tokenSecret?: string;
  /** Bearer token lifetime, default 24 h. */
  tokenTtlSeconds?: number;
  /** A direct URL for the LISTEN session (CHAT_LISTEN_URL); default: a dedicated connection of the pool's server. */
  listenUrl?: string | undefined;
  /** The hub to use (tests); default one per API. */
  hub?: ChatHub;
  /** ms between SSE keep-alive comments. Default 15000. */
  heartbeatMs?: number;
  /**
   * How sends NOTIFY (CHAT_NOTIFY): `message` (default) in each send's transaction; `batch`: after
   * commit, one NOTIFY per batch of commits (live.ts Notifier). docs/chat.md has the figures.
   */
  notify?: 'message' | 'batch';
}

const STREAM_COOKIE = 'chat_stream';
const PAGE = path.join(packageRoot, 'src', 'http', 'chat-page.html');

export function chatApi(db: Pool, opts: ChatApiOptions = {}): Api & { hub: ChatHub } {
  const tokens: chat.TokenOptions = {
    secret: opts.tokenSecret ?? process.env.CHAT_TOKEN_SECRET ?? randomBytes(32),
    ttlSeconds: opts.tokenTtlSeconds ?? 24 * 3600,
  };
  assertSecret(tokens.secret);
  const hub = opts.hub ?? new ChatHub(db, { listenUrl: opts.listenUrl ?? process.env.CHAT_LISTEN_URL });
  const unauthorized = () =>
    new HttpError(
      401,
      'Unauthorized',
      'a valid Authorization: Bearer token is required',
      {},
      {
        'www-authenticate': 'Bearer',
      },
    );
  const bearer = (req: Request) => /^Bearer ([A-Za-z0-9_.-]+)$/.exec(req.get('authorization') ?? '')?.[1];
  const userOf = (req: Request): string => {
    const token = bearer(req);
    const user = token && chat.authenticate(token, tokens);
    if (!user) throw unauthorized();
    return user;
  };
  /** The stream's user: a bearer token, or the stream ticket of the cookie. */
  const streamUserOf = (req: Request): string => {
    const token = bearer(req);
    if (token) return userOf(req);
    const cookie = (req.get('cookie') ?? '')
      .split(';')
      .map((c) => c.trim())
      .find((c) => c.startsWith(`${STREAM_COOKIE}=`));
    const user = cookie && chat.verifyStreamTicket(cookie.slice(STREAM_COOKIE.length + 1), tokens);
    if (!user) throw unauthorized();
    return user;
  };
  const auth = { 401: { description: 'missing, invalid or expired token' } };
  const notMember = { 404: { description: 'no such conversation, or not a member of it' } };
  const convParams = PathIds('id');
  const msgParams = obj({ id: Id, seq: Id });
  const heartbeatMs = opts.heartbeatMs ?? 15000;
  const batched = (opts.notify ?? process.env.CHAT_NOTIFY) === 'batch';
  const notifier = batched ? new Notifier(db) : undefined;

  const api = new Api('/chat', 'chat', 'Project 8: conversations, receipts, unread counts, live delivery (SSE)')
    .route({
      method: 'post',
      path: '/users',
      summary: 'Sign up',
      body: obj({
        email,
        password: Type.String({ minLength: 8, maxLength: 200 }),
        name: Type.String({ minLength: 1, maxLength: 100 }),
      }),
      responses: {
        201: { description: 'signed up', schema: obj({ token: Type.String(), user: UserJson }) },
        409: { description: 'the email is taken' },
      },
      handler: async ({ body }, _req, res) => {
        const s = await chat.signup(db, body, tokens);
        res
          .status(201)
          .json({ token: s.token, user: { id: Number(s.user.id), email: s.user.email, name: s.user.name } });
      },
    })
    .route({
      method: 'post',
      path: '/login',
      summary: 'Exchange email and password for a bearer token',
      body: obj({ email: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 200 }) }),
      responses: {
        200: { description: 'logged in', schema: obj({ token: Type.String(), userId: Id }) },
        401: { description: 'wrong email or password' },
      },
      handler: async ({ body }, _req, res) => {
        const r = await chat.login(db, body.email, body.password, tokens);
        if (!r) throw new HttpError(401, 'Unauthorized', 'wrong email or password');
        res.json({ token: r.token, userId: Number(r.userId) });
      },
    })
    .route({
      method: 'get',
      path: '/me',
      summary: 'The signed-in user',
      responses: { 200: { description: 'the user', schema: UserJson }, ...auth },
      handler: async (_input, req, res) => {
        const u = await chat.getUser(db, userOf(req));
        res.set('Cache-Control', 'private, no-cache').json({ id: Number(u.id), email: u.email, name: u.name });
      },
    })
    .route({
      method: 'post',
      path: '/stream-session',
      summary: 'Set the stream cookie (a 5-minute stream ticket) for EventSource',
      description:
        'EventSource cannot send Authorization: this sets `chat_stream` (HttpOnly, SameSite=Strict, Path=/chat/stream) holding a ticket that opens the stream and nothing else.',
      responses: { 200: { description: 'cookie set', schema: obj({ expiresIn: Type.Integer() }) }, ...auth },
      handler: async (_input, req, res) => {
        const ticket = chat.issueStreamTicket(userOf(req), tokens);
        res.cookie(STREAM_COOKIE, ticket, {
          httpOnly: true,
          sameSite: 'strict',
          path: '/chat/stream',
          maxAge: chat.TICKET_TTL_SECONDS * 1000,
          secure: req.secure,
        });
        res.set('Cache-Control', 'no-store').json({ expiresIn: chat.TICKET_TTL_SECONDS });
      },
    })
    .route({
      method: 'get',
      path: '/conversations',
      summary: 'The inbox: conversations, latest activity first, with unread counts',
      query: obj({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: chat.INBOX_SIZE.max })) }),
      headers: ifNoneMatch,
      responses: {
        200: { description: 'the inbox', schema: Type.Array(InboxJson), headers: cachedHeaders },
        304: { description: 'not modified' },
        ...auth,
      },
      handler: async ({ query }, req, res) => {
        sendCached(req, res, (await chat.listInbox(db, userOf(req), query.limit)).map(inboxEntry));
      },
    })
    .route({
      method: 'post',
      path: '/conversations',
      summary: 'Open a direct conversation (200 when it exists) or create a group (201)',
      body: Type.Union([
        obj({ kind: Type.Literal('direct'), userId: Id }),
        obj({
          kind: Type.Literal('group'),
          name: Type.String({ minLength: 1, maxLength: 200 }),
          memberIds: Type.Optional(Type.Array(Id, { maxItems: 1000, uniqueItems: true })),
        }),
      ]),
      responses: {
        200: { description: 'the existing direct conversation', schema: ConversationJson },
        201: { description: 'created', schema: ConversationJson },
        422: { description: 'no such user, or yourself' },
        ...auth,
      },
      handler: async ({ body }, req, res) => {
        const me = userOf(req);
        let id: string;
        let created = true;
        if (body.kind === 'direct') ({ conversation_id: id, created } = await chat.openDirect(db, me, body.userId));
        else id = await chat.createGroup(db, me, body.name, body.memberIds ?? []);
        res.status(created ? 201 : 200).json(conversation(await chat.getConversation(db, id, me)));
      },
    })
    .route({
      method: 'get',
      path: '/conversations/:id',
      summary: 'One conversation, with your role, receipt and unread count',
      params: convParams,
      headers: ifNoneMatch,
      responses: {
        200: { description: 'the conversation', schema: ConversationJson, headers: cachedHeaders },
        304: { description: 'not modified' },
        ...auth,
        ...notMember,
      },
      handler: async ({ params }, req, res) => {
        sendCached(req, res, conversation(await chat.getConversation(db, params.id, userOf(req))));
      },
    })
    .route({
      method: 'get',
      path: '/conversations/:id/members',
      summary: 'Current members with their read receipts',
      params: convParams,
      responses: { 200: { description: 'members', schema: Type.Array(MemberJson) }, ...auth, ...notMember },
      handler: async ({ params }, req, res) => {
        res
          .set('Cache-Control', 'private, no-cache')
          .json((await chat.listMembers(db, params.id, userOf(req))).map(member));
      },
    })
    .route({
      method: 'get',
      path: '/conversations/:id/receipts',
      summary: "Read receipts: each member's last read sequence (a message is read by those at or past its seq)",
      params: convParams,
      headers: ifNoneMatch,
      responses: {
        200: { description: 'receipts', schema: Type.Array(ReceiptJson), headers: cachedHeaders },
        304: { description: 'not modified' },
        ...auth,
        ...notMember,
      },
      handler: async ({ params }, req, res) => {
        const members = await chat.listMembers(db, params.id, userOf(req));
        sendCached(
          req,
          res,
          members.map((m) => ({ userId: Number(m.user_id), lastReadSeq: Number(m.last_read_seq) })),
        );
      },
    })
    .route({
      method: 'post',
      path: '/conversations/:id/members',
      summary: 'Add (or re-add) a group member (owners and admins)',
      params: convParams,
      body: obj({ userId: Id, role: Type.Optional(StringEnum(['admin', 'member'])) }),
      responses: {
        201: { description: 'the member', schema: MemberJson },
        403: { description: 'not an owner or admin' },
        422: { description: 'no such user, or a direct conversation' },
        ...auth,
        ...notMember,
      },
      handler: async ({ params, body }, req, res) => {
        const me = userOf(req);
        await chat.addMember(db, me, params.id, body.userId, body.role ?? 'member');
        const added = (await chat.listMembers(db, params.id, me)).find((m) => Number(m.user_id) === body.userId);
        res.status(201).json(member(added!));
      },
    })
    .route({
      method: 'delete',
      path: '/conversations/:id/members/:userId',
      summary: 'Leave a group (your own id) or remove a member (owners and admins)',
      params: obj({ id: Id, userId: Id }),
      responses: {
        204: { description: 'left' },
        403: { description: 'not an owner or admin' },
        422: { description: 'a direct conversation' },
        ...auth,
        ...notMember,
      },
      handler: async ({ params }, req, res) => {
        await chat.removeMember(db, userOf(req), params.id, params.userId);
        res.status(204).end();
      },
    })
    .route({
      method: 'get',
      path: '/conversations/:id/messages',
      summary: 'A window of messages around an anchor (newest, first unread, or a sequence)',
      params: convParams,
      query: obj({
        anchor: Type.Optional(
          Type.Union(
            [StringEnum(['newest', 'first_unread']), Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })],
            {
              description: 'newest (default), first_unread, or a sequence number',
            },
          ),
        ),
        before: Type.Optional(
          Type.Integer({ minimum: 0, maximum: 200, description: 'messages older than the anchor' }),
        ),
        after: Type.Optional(
          Type.Integer({ minimum: 0, maximum: 200, description: 'messages from the anchor on, the anchor included' }),
        ),
      }),
      headers: ifNoneMatch,
      responses: {
        200: {
          description: 'the window, ascending by sequence',
          schema: obj({
            anchor: seq,
            foundOldest: Type.Boolean(),
            foundNewest: Type.Boolean(),
            lastReadSeq: seq,
            messages: Type.Array(MessageJson),
          }),
          headers: cachedHeaders,
        },
        304: { description: 'not modified' },
        ...auth,
        ...notMember,
      },
      handler: async ({ params, query }, req, res) => {
        const w = await chat.messageWindow(db, userOf(req), params.id, query);
        sendCached(req, res, {
          anchor: w.anchor,
          foundOldest: w.foundOldest,
          foundNewest: w.foundNewest,
          lastReadSeq: Number(w.conversation.last_read_seq),
          messages: w.messages.map(message),
        });
      },
    })
    .route({
      method: 'post',
      path: '/conversations/:id/messages',
      summary: 'Send a message (gets the next gap-free sequence)',
      params: convParams,
      body: obj({ body, attachments: Type.Optional(Type.Array(AttachmentIn, { maxItems: 10 })) }),
      responses: { 201: { description: 'sent', schema: MessageJson }, ...auth, ...notMember },
      handler: async ({ params, body: b }, req, res) => {
        const m = await chat.sendMessage(db, userOf(req), params.id, b.body, {
          attachments: b.attachments ?? [],
          notify: !notifier,
        });
        notifier?.push(params.id, m.seq);
        res.status(201).json(message((await chat.findMessage(db, params.id, m.seq)) ?? m));
      },
    })
    .route({
      method: 'patch',
      path: '/conversations/:id/messages/:seq',
      summary: 'Edit your message (the old body is kept as an event)',
      params: msgParams,
      body: obj({ body }),
      responses: {
        200: { description: 'edited', schema: MessageJson },
        403: { description: 'not your message' },
        ...auth,
        ...notMember,
      },
      handler: async ({ params, body: b }, req, res) => {
        const m = await chat.editMessage(db, userOf(req), params.id, params.seq, b.body);
        res.json(message((await chat.findMessage(db, params.id, m.seq)) ?? m));
      },
    })
    .route({
      method: 'delete',
      path: '/conversations/:id/messages/:seq',
      summary: 'Delete a message (yours, or any as a group owner or admin); its sequence stays',
      params: msgParams,
      responses: {
        200: { description: 'deleted', schema: MessageJson },
        403: { description: 'not allowed' },
        ...auth,
        ...notMember,
      },
      handler: async ({ params }, req, res) => {
        res.json(message(await chat.deleteMessage(db, userOf(req), params.id, params.seq)));
      },
    })
    .route({
      method: 'put',
      path: '/conversations/:id/messages/:seq/reactions/:emoji',
      summary: 'React to a message (idempotent)',
      params: obj({ id: Id, seq: Id, emoji }),
      responses: { 204: { description: 'reacted' }, ...auth, ...notMember },
      handler: async ({ params }, req, res) => {
        await chat.addReaction(db, userOf(req), params.id, params.seq, params.emoji);
        res.status(204).end();
      },
    })
    .route({
      method: 'delete',
      path: '/conversations/:id/messages/:seq/reactions/:emoji',
      summary: 'Take your reaction back (idempotent)',
      params: obj({ id: Id, seq: Id, emoji }),
      responses: { 204: { description: 'removed' }, ...auth, ...notMember },
      handler: async ({ params }, req, res) => {
        await chat.removeReaction(db, userOf(req), params.id, params.seq, params.emoji);
        res.status(204).end();
      },
    })
    .route({
      method: 'post',
      path: '/conversations/:id/read',
      summary: 'Mark read up to a sequence (a receipt never moves back)',
      params: convParams,
      body: obj({ seq }),
      responses: { 200: { description: 'your receipt and unread count', schema: ReadJson }, ...auth, ...notMember },
      handler: async ({ params, body: b }, req, res) => {
        const r = await chat.markRead(db, userOf(req), params.id, b.seq);
        res.json({ lastReadSeq: Number(r.last_read_seq), unreadCount: r.unread_count });
      },
    })
    .route({
      method: 'post',
      path: '/read-all',
      summary: 'Mark every conversation read: O(conversations), not O(messages)',
      responses: { 200: { description: 'conversations changed', schema: obj({ changed: Type.Integer() }) }, ...auth },
      handler: async (_input, req, res) => {
        res.json({ changed: await chat.markAllRead(db, userOf(req)) });
      },
    })
    .route({
      method: 'get',
      path: '/stream',
      summary: 'Server-Sent Events: one conversation (event ids are sequences; Last-Event-ID resumes), or your inbox',
      description:
        'With `conversation`: `message` events whose `id` is the sequence (a reconnect with Last-Event-ID, or `after`, replays what was missed from the table), `update` events for edits, deletes and reactions, `revoked` when you leave. Without: `activity` events for every conversation of yours. Authenticated by Bearer token or the `chat_stream` cookie.',
      query: obj({
        conversation: Type.Optional(Id),
        after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
      }),
      headers: Type.Object({
        'last-event-id': Type.Optional(
          Type.String({ pattern: '^[0-9]{1,15}$', description: 'the last sequence received' }),
        ),
      }),
      responses: {
        200: { description: 'the event stream', contentType: 'text/event-stream' },
        ...auth,
        ...notMember,
      },
      handler: async ({ query, headers }, req, res) => {
        const userId = streamUserOf(req);
        const conversationId = query.conversation === undefined ? undefined : String(query.conversation);
        const start = conversationId ? await chat.getConversation(db, conversationId, userId) : undefined;
        const resumeFrom = headers['last-event-id'] ?? (query.after === undefined ? undefined : String(query.after));
        res.status(200).set({
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-store',
          'X-Accel-Buffering': 'no',
        });
        res.flushHeaders();
        res.write('retry: 1000\n\n');
        const stream = new SseStream(res, hub, userId, conversationId, BigInt(resumeFrom ?? start?.last_seq ?? 0));
        const beat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
        req.on('close', () => {
          clearInterval(beat);
          stream.close();
        });
        await stream.open();
      },
    });

  // The chat page: static HTML and JavaScript, no build step. Read per request (it is small), so
  // a missing file answers 404 rather than failing the server's start.
  api.router.get('/', (_req, res) => {
    let html: string;
    try {
      html = readFileSync(PAGE, 'utf8');
    } catch {
      throw new HttpError(404, 'Not found', 'the chat page is not installed');
    }
    res.set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' }).send(html);
  });
  return Object.assign(api, { hub });
}

/** Writes one subscriber's events as SSE, in sequence order, replaying from the table across gaps. */
class SseStream {
  private chain: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly res: Response,
    private readonly hub: ChatHub,
    private readonly userId: string,
    private readonly conversationId: string | undefined,
    /** Last sequence the client has. */
    private last: bigint,
  ) {}

  async open() {
    const send = (e: LiveEvent) => this.enqueue(e);
    if (this.conversationId === undefined) {
      this.unsubscribe = await this.hub.subscribeInbox(this.userId, send);
    } else {
      const conversationId = this.conversationId;
      this.unsubscribe = await this.hub.subscribe({
        userId: this.userId,
        conversations: new Set([conversationId]),
        inbox: false,
        send,
        revoked: () => this.enqueue({ kind: 'leave', conversationId, userId: this.userId }),
      });
      // Subscribed first, then replayed: a message committed in between arrives both ways and is
      // written once (the sequence check in write()).
      this.enqueue({ kind: 'resync' });
    }
    if (this.closed) this.unsubscribe();
  }

  close() {
    this.closed = true;
    this.unsubscribe?.();
  }

  private enqueue(e: LiveEvent) {
    this.chain = this.chain.then(() => this.write(e)).catch(() => this.end());
  }

  private end() {
    if (!this.closed) {
      this.close();
      this.res.end();
    }
  }

  private frame(event: string, data: unknown, id?: string) {
    if (this.closed) return;
    this.res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    // A client that does not read: drop it rather than buffer without bound; it resumes by id.
    if (this.res.writableLength > 1 << 20) this.end();
  }

  private async catchUp(upTo?: bigint) {
    for (;;) {
      const rows = await this.hub.replay(this.conversationId!, String(this.last));
      for (const m of rows) {
        if (BigInt(m.seq) <= this.last) continue;
        this.last = BigInt(m.seq);
        this.frame('message', message(m), m.seq);
      }
      if (rows.length < 500 || (upTo !== undefined && this.last >= upTo)) return;
    }
  }

  private async write(e: LiveEvent) {
    if (this.closed) return;
    if (this.conversationId === undefined) {
      if (e.kind === 'resync') return;
      this.frame('activity', {
        conversationId: Number(e.conversationId),
        kind: e.kind,
        ...('seq' in e ? { seq: Number(e.seq), senderId: num(e.message.sender_id) } : {}),
        ...('userId' in e ? { userId: Number(e.userId) } : {}),
      });
      return;
    }
    switch (e.kind) {
      case 'resync':
        return this.catchUp();
      case 'message': {
        const s = BigInt(e.seq);
        if (s <= this.last) return;
        if (s > this.last + 1n) return this.catchUp(s); // a gap: the table has what the pushes lost
        this.last = s;
        return this.frame('message', message(e.message), e.seq);
      }
      case 'edit':
      case 'delete':
      case 'reaction':
        return this.frame('update', { kind: e.kind, message: message(e.message) });
      case 'join':
        return this.frame('member', { kind: 'join', userId: Number(e.userId) });
      case 'leave':
        if (e.userId !== this.userId) return this.frame('member', { kind: 'leave', userId: Number(e.userId) });
        this.frame('revoked', { conversationId: Number(e.conversationId) });
        return this.end();
    }
  }
}
