// Unit tier: the sql/chat/ statements that pg-mem can run, on pg-mem over the committed schema.
// pg-mem has no plpgsql, triggers or materialized views, so every write procedure (send, edit,
// delete, mark read, members), the unread-count and receipt triggers, NOTIFY and the inbox view
// are covered only by the integration tier (test/chat/lib.ts, concurrency.ts, http.ts). The reads
// pg-mem cannot run: list_inbox (left()), list_messages_* and find_message (jsonb_agg ... order by
// in scalar subqueries), add_reaction / remove_reaction (data-modifying CTEs).
import t from 'tap';
import { loadSql } from '../../src/lib/core/db.js';
import { memDb } from '../helpers/pgmem.js';

const { query } = await memDb('chat', [
  { pattern: /\bcreate function chat\./i, reason: 'plpgsql functions: pg-mem has no plpgsql' },
  { pattern: /\bcreate trigger /i, reason: 'triggers are not supported by pg-mem' },
  { pattern: /create materialized view|on chat\.inbox /i, reason: 'pg-mem has no materialized views' },
]);
const q = loadSql('chat', [
  'create_user',
  'find_credentials',
  'find_user',
  'find_conversation',
  'list_members',
  'list_conversation_ids',
]);

t.test('users: create, find, credentials, the email rules', async (t) => {
  const [u] = await query<{ id: string; email: string }>(q.create_user.text, ['ann@example.com', 'Ann', 'hash']);
  t.equal(u!.email, 'ann@example.com');
  await query(q.create_user.text, ['bob@example.com', 'Bob', 'hash']);
  await t.rejects(query(q.create_user.text, ['ann@example.com', 'Again', 'hash']), 'users_email_key');
  await t.rejects(query(q.create_user.text, ['Upper@Example.com', 'U', 'hash']), 'lower-case only');
  await t.rejects(query(q.create_user.text, ['c@example.com', '', 'hash']), 'users_name_length');
  t.same(await query(q.find_credentials.text, ['ann@example.com']), [{ id: u!.id, password_hash: 'hash' }]);
  t.same(await query(q.find_credentials.text, ['nobody@example.com']), []);
  t.match(await query(q.find_user.text, [u!.id]), [{ email: 'ann@example.com', name: 'Ann' }]);
});

t.test('conversations and members as their statements read them', async (t) => {
  await query(`insert into chat.conversations (kind, name, last_seq) values ('group', 'G', 3)`);
  await query(`insert into chat.conversations (kind, direct_low, direct_high) values ('direct', 1, 2)`);
  await t.rejects(query(`insert into chat.conversations (kind, direct_low, direct_high) values ('direct', 1, 2)`));
  await t.rejects(query(`insert into chat.conversations (kind, name) values ('direct', 'x')`), 'direct shape');
  await query(`insert into chat.members (conversation_id, user_id, role, last_read_seq, unread_count)
               values (1, 1, 'owner', 3, 0), (1, 2, 'member', 1, 2), (2, 1, 'member', 0, 0), (2, 2, 'member', 0, 0)`);
  await t.rejects(query(`insert into chat.members (conversation_id, user_id, unread_count) values (2, 3, -1)`));
  const [c] = await query<{ role: string; unread_count: number }>(q.find_conversation.text, [1, 2]);
  t.match(c, { role: 'member', unread_count: 2 });
  t.same(await query(q.find_conversation.text, [1, 99]), []);
  t.match(await query(q.list_members.text, [1]), [
    { name: 'Ann', role: 'owner' },
    { name: 'Bob', role: 'member' },
  ]);
  t.same(
    (await query<{ conversation_id: string }>(q.list_conversation_ids.text, [2]))
      .map((r) => Number(r.conversation_id))
      .sort(),
    [1, 2],
  );
  await query(`update chat.members set left_at = now(), unread_count = 0 where conversation_id = 1 and user_id = 2`);
  t.same(await query(q.find_conversation.text, [1, 2]), [], 'a former member sees nothing');
});
