/**
 * pg-grind/todo: single-table CRUD with timestamps and optimistic concurrency.
 * Every function takes `db` (pool or transaction) first; the SQL is in sql/todo/.
 */
import { exec, loadSql, many, maybeOne, type Db, type RowOf } from '../core/db.js';
import { found, NotFound, StaleVersion } from '../core/errors.js';
import { keysetPage, type Page, type PageOptions, type PageSize } from '../core/page.js';

const q = loadSql('todo', ['create_todo', 'find_todo', 'list_todos', 'update_todo', 'delete_todo', 'delete_todos']);

/** A todo row as stored (`id` is a bigint, so a string): what find_todo returns. */
export type Todo = RowOf<typeof q.find_todo>;
export type TodoId = string | number;

export interface NewTodo {
  title: string;
  completed?: boolean;
  order?: number | null;
}

/** Fields to change; absent fields are kept. `order: null` clears the order. */
export interface TodoPatch {
  title?: string;
  completed?: boolean;
  order?: number | null;
}

/** Optimistic concurrency: act only if the row is still at this version. */
export interface IfVersion {
  version?: number;
}

export interface ListTodosOptions extends PageOptions {
  /** Only completed (true) or open (false) todos. */
  completed?: boolean;
}

export type TodoPage = Page<Todo>;

/** Pages of todos: 100 by default, at most 1000. */
export const PAGE_SIZE: PageSize = { default: 100, max: 1000 };

/** Creates a todo; returns the row. Throws CheckViolation (todos_title_length) for a blank or long title. */
export async function createTodo(db: Db, todo: NewTodo): Promise<Todo> {
  const [row] = await many(db, q.create_todo, [todo.title, todo.completed ?? null, todo.order ?? null]);
  return row!;
}

/** The todo, or undefined. */
export function findTodo(db: Db, id: TodoId): Promise<Todo | undefined> {
  return maybeOne(db, q.find_todo, [id]);
}

/** The todo; throws NotFound. */
export async function getTodo(db: Db, id: TodoId): Promise<Todo> {
  return found(await findTodo(db, id), 'todo');
}

/** One page of todos in creation order. Throws InvalidCursor for a cursor it did not issue. */
export function listTodos(db: Db, opts: ListTodosOptions = {}): Promise<TodoPage> {
  return keysetPage(
    opts,
    PAGE_SIZE,
    null,
    (t: Todo) => t.id,
    (after, take) => many(db, q.list_todos, [opts.completed ?? null, after, take]),
  );
}

/** Why a conditional write touched no row: NotFound, or StaleVersion when the row moved on. */
async function explainMiss(db: Db, id: TodoId, expected: number | undefined): Promise<never> {
  const current = await findTodo(db, id);
  // Without a version condition the write can only have missed a row that is gone.
  if (!current || expected === undefined) throw new NotFound('todo');
  throw new StaleVersion('todo', expected, current.version);
}

/** Applies a partial update; returns the new row. Throws NotFound, StaleVersion, CheckViolation. */
export async function updateTodo(db: Db, id: TodoId, patch: TodoPatch, cond: IfVersion = {}): Promise<Todo> {
  const row = await maybeOne(db, q.update_todo, [
    id,
    patch.title ?? null,
    patch.completed ?? null,
    patch.order ?? null,
    patch.order !== undefined,
    cond.version ?? null,
  ]);
  return row ?? explainMiss(db, id, cond.version);
}

/** Deletes a todo; returns the deleted row. Throws NotFound, StaleVersion. */
export async function deleteTodo(db: Db, id: TodoId, cond: IfVersion = {}): Promise<Todo> {
  const row = await maybeOne(db, q.delete_todo, [id, cond.version ?? null]);
  return row ?? explainMiss(db, id, cond.version);
}

/** Deletes every todo; returns how many were deleted. */
export function deleteTodos(db: Db): Promise<number> {
  return exec(db, q.delete_todos);
}
