// What the generated statement types buy, proven by the compiler: `npm test` typechecks test/ first,
// and each `@ts-expect-error` below fails that step if its line ever compiles (a wrong parameter
// type or count, reordered parameters, a column the statement does not return, a name without
// a file). The run-time part checks the Statement objects the loader builds.
import t from 'tap';
import { exec, loadSql, many, maybeOne, one, type Db, type ParamsOf, type RowOf } from '../../src/lib/core/db.js';

const q = loadSql('todo', ['create_todo', 'find_todo', 'update_todo', 'delete_todos']);

/** Compiled, never run. */
export async function compileOnly(db: Db): Promise<void> {
  // create_todo: $1 title text, $2 completed boolean, $3 order int.
  await many(db, q.create_todo, ['milk', null, 3]);
  // @ts-expect-error $1 is text, not a number
  await many(db, q.create_todo, [1, null, 3]);
  // @ts-expect-error $2 and $3 swapped: a number where the boolean goes
  await many(db, q.create_todo, ['milk', 3, true]);
  // @ts-expect-error one parameter short
  await many(db, q.create_todo, ['milk', null]);
  // @ts-expect-error one parameter too many
  await maybeOne(db, q.find_todo, [1, 2]);
  // @ts-expect-error the statement has a parameter, so the tuple is required
  await maybeOne(db, q.find_todo);
  // @ts-expect-error a statement without parameters takes none
  await exec(db, q.delete_todos, [1]);
  await exec(db, q.delete_todos);

  const todo = await one(db, q.find_todo, ['1'], 'todo');
  const title: string = todo.title;
  // @ts-expect-error find_todo returns no column `name`
  void todo.name;
  // @ts-expect-error order is a nullable column
  const order: number = todo.order;
  void [title, order];

  // The helper types name a statement's tuple and row for code that builds them ahead.
  const params: ParamsOf<typeof q.update_todo> = ['1', 'title', null, null, false, null];
  // @ts-expect-error update_todo has six parameters
  const short: ParamsOf<typeof q.update_todo> = ['1', 'title'];
  const row: RowOf<typeof q.update_todo> | undefined = await maybeOne(db, q.update_todo, params);
  // @ts-expect-error rows are the generated type, not any object
  const wrong: RowOf<typeof q.update_todo> = { id: '1' };
  void [short, row, wrong];

  // @ts-expect-error a statement name without a file (and so without types)
  loadSql('todo', ['find_todos']);
  // @ts-expect-error a project that has no statements
  loadSql('nope', ['find_todo']);
}

t.test('loadSql builds named, frozen statements from the files', async (t) => {
  t.equal(q.create_todo.name, 'todo/create_todo', 'project/file name: what errors report');
  t.match(q.create_todo.text, /insert into todo\.todos/);
  t.ok(Object.isFrozen(q.find_todo), 'a statement cannot be changed after loading');
  t.same(Object.keys(q).sort(), ['create_todo', 'delete_todos', 'find_todo', 'update_todo']);
});
