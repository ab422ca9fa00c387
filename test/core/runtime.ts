// Project-neutral helpers that need no database: the SQL loader, keyset cursors, the statement splitter.
import t from 'tap';
import { decodeCursor, encodeCursor } from '../../src/lib/core/cursor.js';
import { loadSql } from '../../src/lib/core/db.js';
import { InvalidCursor } from '../../src/lib/core/errors.js';
import { databaseName, withDatabase } from '../../src/lib/core/migrate.js';
import { splitStatements } from '../helpers/pgmem.js';

t.test('loadSql reads each file once and fails at once on a missing one', async (t) => {
  const q = loadSql('todo', ['find_todo']);
  t.match(q.find_todo.text, /from todo\.todos/);
  t.equal(q.find_todo.name, 'todo/find_todo');
  // @ts-expect-error a statement without generated types does not compile; at run time the file is missing
  t.throws(() => loadSql('todo', ['find_todo', 'no_such_statement']), { code: 'ENOENT' });
});

t.test('cursors round-trip and refuse anything else', async (t) => {
  const values = ['42', 7, true, null, 'ünï'];
  t.same(decodeCursor(encodeCursor(values), 5), values);
  t.match(encodeCursor(['x']), /^[A-Za-z0-9_-]+$/, 'URL-safe');
  for (const bad of [
    '',
    '!!!',
    encodeCursor(['a']).slice(1),
    Buffer.from('{"a":1}').toString('base64url'),
    Buffer.from('[[1]]').toString('base64url'),
  ]) {
    t.throws(() => decodeCursor(bad, 1), InvalidCursor, JSON.stringify(bad));
  }
  t.throws(() => decodeCursor(encodeCursor(['a', 'b']), 1), InvalidCursor, 'wrong arity');
});

t.test('connection URL helpers', async (t) => {
  t.equal(withDatabase('postgres://u:p@h:5/a?sslmode=disable', 'b c'), 'postgres://u:p@h:5/b%20c?sslmode=disable');
  t.equal(databaseName('postgres://h/x%20y'), 'x y');
  t.equal(databaseName('postgres://h'), 'postgres');
});

t.test('splitStatements respects quotes, comments and dollar bodies', async (t) => {
  const sql = `create table a (x text default 'a;b'); -- c;d
  create function f() returns int language sql as $$ select 1; $$;
  create function g() returns int language plpgsql as $body$ begin return 1; end $body$;
  -- only a comment;
  select "we;ird" from a`;
  const parts = splitStatements(sql);
  t.equal(parts.length, 4);
  t.match(parts[1], /\$\$ select 1; \$\$$/);
  t.match(parts[3], /"we;ird"/);
});
