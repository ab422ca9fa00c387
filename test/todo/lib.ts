// pg-grind/todo against real PostgreSQL: CRUD, the touch trigger, optimistic concurrency, keyset pages.
import t from 'tap';
import { CheckViolation, InvalidCursor, NotFound, StaleVersion } from '../../src/lib/core/errors.js';
import * as todos from '../../src/lib/todo/index.js';
import { testDb } from '../helpers/db.js';

const { sql } = await testDb(t);

t.test('create trims the title, defaults completed, keeps order', async (t) => {
  const a = await todos.createTodo(sql, { title: '  buy milk  ' });
  t.equal(a.title, 'buy milk');
  t.equal(a.completed, false);
  t.equal(a.order, null);
  t.equal(a.version, 1);
  t.type(a.id, 'string', 'bigint ids come back as strings, as the Zapatos types say');
  t.ok(a.created_at instanceof Date);
  const b = await todos.createTodo(sql, { title: 'b', completed: true, order: 7 });
  t.same([b.completed, b.order], [true, 7]);
  t.same(await todos.getTodo(sql, a.id), a);
  t.equal(await todos.findTodo(sql, '999999'), undefined);
  await t.rejects(todos.getTodo(sql, 999999), NotFound);
});

t.test("the title check is the database's", async (t) => {
  for (const title of ['', '   ', 'x'.repeat(501)]) {
    const err = await todos.createTodo(sql, { title }).catch((e: unknown) => e);
    t.type(err, CheckViolation, JSON.stringify(title.slice(0, 5)));
    t.match(err, { code: '23514', constraint: 'todos_title_length', table: 'todos', schema: 'todo' });
  }
  t.ok(await todos.createTodo(sql, { title: 'x'.repeat(500) }), '500 characters are fine');
  t.ok(await todos.createTodo(sql, { title: '𝄞'.repeat(500) }), '500 characters, not bytes');
});

t.test('update is partial; the trigger bumps version and updated_at', async (t) => {
  const a = await todos.createTodo(sql, { title: 'walk', order: 1 });
  await new Promise((r) => setTimeout(r, 5));
  const b = await todos.updateTodo(sql, a.id, { completed: true });
  t.same([b.title, b.completed, b.order, b.version], ['walk', true, 1, 2]);
  t.ok(b.updated_at > a.updated_at, 'updated_at moves');
  t.same(b.created_at, a.created_at, 'created_at stays');
  const c = await todos.updateTodo(sql, a.id, { order: null, title: ' run ' });
  t.same([c.title, c.order, c.version], ['run', null, 3], 'order: null clears, title trimmed');
  const d = await todos.updateTodo(sql, a.id, { completed: false }, { version: 3 });
  t.equal(d.version, 4, 'matching version writes');
  const stale = await todos.updateTodo(sql, a.id, { completed: true }, { version: 3 }).catch((e: unknown) => e);
  t.type(stale, StaleVersion);
  t.match(stale, { expected: 3, actual: 4 });
  t.equal((await todos.getTodo(sql, a.id)).completed, false, 'a stale write changes nothing');
  await t.rejects(todos.updateTodo(sql, 424242, { completed: true }), NotFound);
  await t.rejects(todos.updateTodo(sql, 424242, { completed: true }, { version: 1 }), NotFound, 'unknown beats stale');
  await t.rejects(todos.updateTodo(sql, a.id, { title: ' ' }), CheckViolation);
});

t.test('concurrent writers with the same version: exactly one wins', async (t) => {
  const a = await todos.createTodo(sql, { title: 'race' });
  const results = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) => todos.updateTodo(sql, a.id, { title: `writer ${i}` }, { version: 1 })),
  );
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  t.ok(
    results
      .filter((r) => r.status === 'rejected')
      .every((r) => (r as PromiseRejectedResult).reason instanceof StaleVersion),
  );
  t.equal((await todos.getTodo(sql, a.id)).version, 2);
});

t.test('delete one, with and without a version; delete all', async (t) => {
  const a = await todos.createTodo(sql, { title: 'gone' });
  await t.rejects(todos.deleteTodo(sql, a.id, { version: 9 }), StaleVersion);
  t.equal((await todos.deleteTodo(sql, a.id, { version: 1 })).id, a.id);
  await t.rejects(todos.deleteTodo(sql, a.id), NotFound);
  const n = await todos.deleteTodos(sql);
  t.ok(n > 0);
  t.same((await todos.listTodos(sql)).items, []);
  t.equal(await todos.deleteTodos(sql), 0);
});

t.test('keyset pages in id order, filtered, with opaque cursors', async (t) => {
  await todos.deleteTodos(sql);
  const made = [];
  for (let i = 0; i < 25; i++) made.push(await todos.createTodo(sql, { title: `t${i}`, completed: i % 3 === 0 }));
  const seen: string[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const page = await todos.listTodos(sql, { limit: 10, ...(after ? { after } : {}) });
    seen.push(...page.items.map((x) => x.id));
    after = page.next;
    pages++;
  } while (after);
  t.same(
    seen,
    made.map((x) => x.id),
    'every todo once, in order',
  );
  t.equal(pages, 3);
  const done = await todos.listTodos(sql, { completed: true, limit: 100 });
  t.same(
    done.items.map((x) => x.title),
    made.filter((_, i) => i % 3 === 0).map((x) => x.title),
  );
  t.equal(done.next, undefined);
  const exact = await todos.listTodos(sql, { limit: 25 });
  t.equal(exact.next, undefined, 'a full last page has no next');
  t.equal((await todos.listTodos(sql, { limit: 5000 })).items.length, 25, 'limit is capped, not refused');
  await t.rejects(todos.listTodos(sql, { after: 'garbage' }), InvalidCursor);
  await t.rejects(todos.listTodos(sql, { after: Buffer.from('["x"]').toString('base64url') }), InvalidCursor);
  await t.rejects(todos.listTodos(sql, { after: Buffer.from('[1,2]').toString('base64url') }), InvalidCursor);
});

t.test("composes inside a caller's transaction", async (t) => {
  const before = (await todos.listTodos(sql, { limit: 1000 })).items.length;
  await t.rejects(
    sql.begin(async (tx) => {
      await todos.createTodo(tx, { title: 'rolled back' });
      throw new Error('abort');
    }),
  );
  t.equal((await todos.listTodos(sql, { limit: 1000 })).items.length, before);
});
