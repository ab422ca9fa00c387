// Unit tier: every statement in sql/todo/ run on pg-mem over the schema of the committed migrations.
import t from 'tap';
import { loadSql } from '../../src/lib/core/db.js';
import { memDb } from '../helpers/pgmem.js';

// pg-mem cannot load plpgsql, so the touch trigger is skipped: version bumps and updated_at are
// covered only by test/todo/lib.ts. CHECK constraints do load and are tested here.
const { query } = await memDb('todo', [
  { pattern: /create function todo\.touch\(\)/i, reason: 'plpgsql function: pg-mem has no plpgsql' },
  { pattern: /create trigger todos_touch/i, reason: 'triggers are not supported by pg-mem' },
]);
const q = loadSql('todo', ['create_todo', 'find_todo', 'list_todos', 'update_todo', 'delete_todo', 'delete_todos']);
type Row = { id: string | number; title: string; completed: boolean; order: number | null; version: number };

t.test('create_todo trims, defaults completed', async (t) => {
  const [a] = await query<Row>(q.create_todo.text, ['  milk ', null, null]);
  t.match(a, { title: 'milk', completed: false, order: null, version: 1 });
  const [b] = await query<Row>(q.create_todo.text, ['eggs', true, 4]);
  t.match(b, { title: 'eggs', completed: true, order: 4 });
  t.ok(Number(b!.id) > Number(a!.id), 'identity ids increase');
});

t.test('the title check loads and refuses blank titles', async (t) => {
  await t.rejects(query(q.create_todo.text, ['   ', null, null]));
  await t.rejects(query(q.create_todo.text, ['x'.repeat(501), null, null]));
});

t.test('find_todo and list_todos', async (t) => {
  const [first] = await query<Row>(q.find_todo.text, [1]);
  t.equal(first?.title, 'milk');
  t.same(await query(q.find_todo.text, [999]), []);
  t.same(
    (await query<Row>(q.list_todos.text, [null, null, 10])).map((r) => r.title),
    ['milk', 'eggs'],
  );
  t.same(
    (await query<Row>(q.list_todos.text, [true, null, 10])).map((r) => r.title),
    ['eggs'],
  );
  t.same(
    (await query<Row>(q.list_todos.text, [false, null, 10])).map((r) => r.title),
    ['milk'],
  );
  t.same(
    (await query<Row>(q.list_todos.text, [null, 1, 10])).map((r) => r.title),
    ['eggs'],
    'keyset: after id 1',
  );
  t.same(
    (await query<Row>(q.list_todos.text, [null, null, 1])).map((r) => r.title),
    ['milk'],
    'limit',
  );
});

t.test('update_todo: partial, order flag, version condition', async (t) => {
  const [a] = await query<Row>(q.update_todo.text, [1, null, true, null, false, null]);
  t.match(a, { title: 'milk', completed: true, order: null });
  const [b] = await query<Row>(q.update_todo.text, [1, ' oat milk ', null, 9, true, null]);
  t.match(b, { title: 'oat milk', completed: true, order: 9 });
  const [c] = await query<Row>(q.update_todo.text, [1, null, null, null, true, null]);
  t.equal(c?.order, null, 'order set to null when flagged');
  t.same(await query(q.update_todo.text, [1, 'x', null, null, false, 42]), [], 'wrong version: no row');
  t.equal(
    (await query(q.update_todo.text, [1, 'x', null, null, false, 1])).length,
    1,
    'matching version (no trigger here: stays 1)',
  );
  t.same(await query(q.update_todo.text, [999, 'x', null, null, false, null]), []);
});

t.test('delete_todo and delete_todos', async (t) => {
  t.same(await query(q.delete_todo.text, [1, 42]), [], 'wrong version deletes nothing');
  t.equal((await query(q.delete_todo.text, [1, null])).length, 1);
  t.same(await query(q.find_todo.text, [1]), []);
  await query(q.delete_todos.text);
  t.same(await query(q.list_todos.text, [null, null, 10]), []);
});
