// src/lib/core/db.ts and errors.ts on real PostgreSQL: every SQLSTATE class of the STYLE.md table is
// raised by a real statement and comes out as its typed error with code, constraint, table, column.
// Then the registry itself: every SQLSTATE any module registers (core and every project's, which is
// why all routers are imported) must have a case below, raised by a real statement, with its
// class, code, statement name and the HTTP status of its problem.
import t from 'tap';
import { connect, exec, many, maybeOne, one, transaction, type Db, type Statement } from '../../src/lib/core/db.js';
import {
  BackendTerminated,
  CheckViolation,
  ConnectionLost,
  DbError,
  ExclusionViolation,
  ForeignKeyViolation,
  InvalidInput,
  NotFound,
  NotNullViolation,
  StatementTimeout,
  TooManyRows,
  TransientConflict,
  UniqueViolation,
  Unavailable,
  classOfSqlState,
  isRetryable,
  mapDbError,
  registeredSqlStates,
  type DbErrorClass,
} from '../../src/lib/core/errors.js';
import { IllegalTransition, PaymentRequired } from '../../src/lib/booking/index.js';
import { MissingExchangeRate } from '../../src/lib/expense/index.js';
import { RowSecurityRefused } from '../../src/lib/saas/index.js';
import { NoSuchMessage, NotAllowed, NotAMember } from '../../src/lib/chat/index.js';
import { toProblem } from '../../src/http/core/problem.js';
// Imported for their registrations: each project's router registers its problems, its library its SQLSTATEs.
import '../../src/http/blog.js';
import '../../src/http/booking.js';
import '../../src/http/expense.js';
import '../../src/http/chat.js';
import '../../src/http/queue.js';
import '../../src/http/saas.js';
import '../../src/http/todo.js';
import { testDb } from '../helpers/db.js';

// As the owner: the scratch tables below are this test's own DDL.
const { sql, ownerUrl: url } = await testDb(t, { as: 'owner' });
await sql.unsafe(`
  create schema scratch;
  create table scratch.parents (id int constraint parents_pkey primary key, email text constraint parents_email_key unique);
  create table scratch.children (
    id int primary key,
    parent_id int constraint children_parent_fkey references scratch.parents,
    qty int not null constraint children_qty_positive check (qty > 0),
    code varchar(3),
    during int4range,
    constraint children_no_overlap exclude using gist (during with &&)
  );
  insert into scratch.parents values (1, 'a@example.com');
`);

/** An ad-hoc statement (the libraries load theirs from sql/); its types are this test's claim. */
const adhoc = <P extends readonly unknown[] = [], R = Record<string, unknown>>(
  text: string,
  name = 'test/adhoc',
): Statement<P, R> => ({ name, text });
const raise = (code: string) => `do $$ begin raise exception 'raised' using errcode = '${code}'; end $$`;

t.test('each SQLSTATE maps to its class, keeping the fields', async (t) => {
  const cases: [string, string, typeof DbError, Record<string, unknown>][] = [
    [
      'unique',
      `insert into scratch.parents values (2, 'a@example.com')`,
      UniqueViolation,
      { code: '23505', constraint: 'parents_email_key', table: 'parents', schema: 'scratch' },
    ],
    [
      'exclusion',
      `insert into scratch.children values (1, 1, 1, 'a', '[1,5)'), (2, 1, 1, 'b', '[3,7)')`,
      ExclusionViolation,
      { code: '23P01', constraint: 'children_no_overlap' },
    ],
    [
      'foreign key',
      `insert into scratch.children values (3, 99, 1, 'c', null)`,
      ForeignKeyViolation,
      { code: '23503', constraint: 'children_parent_fkey', table: 'children' },
    ],
    [
      'check',
      `insert into scratch.children values (4, 1, 0, 'd', null)`,
      CheckViolation,
      { code: '23514', constraint: 'children_qty_positive' },
    ],
    [
      'not null',
      `insert into scratch.children values (5, 1, null, 'e', null)`,
      NotNullViolation,
      { code: '23502', column: 'qty', table: 'children' },
    ],
    ['22P02 bad text', `select 'abc'::int`, InvalidInput, { code: '22P02' }],
    [
      '22001 too long',
      `insert into scratch.children values (6, 1, 1, 'toolong', null)`,
      InvalidInput,
      { code: '22001' },
    ],
    ['22003 out of range', `select 2147483647::int + 1`, InvalidInput, { code: '22003' }],
    ['22007 bad datetime', `select 'not a date'::date`, InvalidInput, { code: '22007' }],
    ['22008 datetime overflow', `select '2024-02-30'::date`, InvalidInput, { code: '22008' }],
    ['40001', raise('40001'), TransientConflict, { code: '40001' }],
    ['40P01', raise('40P01'), TransientConflict, { code: '40P01' }],
    ['57014 canceled', `select pg_sleep(2)`, Unavailable, { code: '57014' }],
    ['08006', raise('08006'), Unavailable, { code: '08006' }],
    ['53300', raise('53300'), Unavailable, { code: '53300' }],
    ['57P01', raise('57P01'), Unavailable, { code: '57P01' }],
  ];
  for (const [label, text, Class, fields] of cases) {
    const run = label.startsWith('57014')
      ? sql.begin(async (tx) => {
          await tx`set local statement_timeout = 50`;
          return many(tx, adhoc(text));
        })
      : many(sql, adhoc(text));
    const err = await run.then(
      () => undefined,
      (e: unknown) => (label.startsWith('57014') ? mapDbError(e) : e),
    );
    t.type(err, Class, label);
    t.match(err, fields, `${label}: fields`);
    t.ok((err as DbError).cause, `${label}: keeps the driver error`);
  }
});

t.test('other errors pass unchanged', async (t) => {
  const err = await many(sql, adhoc('select 1/0')).catch((e: unknown) => e);
  t.notOk(err instanceof DbError);
  t.equal((err as { code: string }).code, '22012');
  const plain = new Error('x');
  t.equal(mapDbError(plain), plain);
  t.equal(mapDbError('str'), 'str');
  t.type(mapDbError({ code: 'ECONNREFUSED', message: 'refused' }), Unavailable);
  t.ok(isRetryable({ code: '40001' }));
  t.notOk(isRetryable(new Error('x')));
});

t.test('one / maybeOne / many / exec', async (t) => {
  t.same(await one(sql, adhoc<[number], { n: number }>('select $1::int as n'), [5]), { n: 5 });
  await t.rejects(one(sql, adhoc('select 1 where false'), [], 'parent'), NotFound);
  t.match(await one(sql, adhoc('select 1 where false'), [], 'parent').catch((e: unknown) => e), { entity: 'parent' });
  t.equal(await maybeOne(sql, adhoc('select 1 where false')), undefined);
  await t.rejects(maybeOne(sql, adhoc('select generate_series(1, 2)')), /at most one row/);
  t.match(await one(sql, adhoc('select generate_series(1, 2)', 'scratch/two_rows'), []).catch((e: unknown) => e), {
    name: 'TooManyRows',
    statement: 'scratch/two_rows',
  });
  t.equal((await many(sql, adhoc<[number]>('select generate_series(1, $1::int)'), [3])).length, 3);
  t.equal(await exec(sql, adhoc('update scratch.parents set email = email')), 1);
  await t.rejects(exec(sql, adhoc(`insert into scratch.parents values (1, 'z')`)), UniqueViolation);
  const dup = await exec(
    sql,
    adhoc<[string]>(`insert into scratch.parents values (1, $1::text)`, 'scratch/add_parent'),
    ['secret@example.com'],
  ).catch((e: unknown) => e);
  t.match(dup, { statement: 'scratch/add_parent' }, 'a mapped error names the statement that failed');
  t.notMatch(
    JSON.stringify({ ...(dup as object), cause: undefined }),
    /secret@example/,
    'but not its parameter values',
  );
});

t.test('transaction(): retries serialization failures, then gives up', async (t) => {
  let attempts = 0;
  const value = await transaction(
    sql,
    async (tx) => {
      attempts++;
      if (attempts < 3) await tx.unsafe(raise('40001'));
      return 'done';
    },
    { baseDelayMs: 1 },
  );
  t.equal(value, 'done');
  t.equal(attempts, 3, 'ran again after each 40001');

  attempts = 0;
  const err = await transaction(
    sql,
    async (tx) => {
      attempts++;
      await tx.unsafe(raise('40P01'));
    },
    { maxAttempts: 4, baseDelayMs: 1 },
  ).catch((e: unknown) => e);
  t.type(err, TransientConflict);
  t.equal(attempts, 4, 'bounded');

  attempts = 0;
  await t.rejects(
    transaction(sql, async (tx) => {
      attempts++;
      await tx`select 'x'::int`;
    }),
    InvalidInput,
  );
  t.equal(attempts, 1, 'other errors are not retried');
});

t.test('transaction(): real serializable conflicts between concurrent connections all commit', async (t) => {
  await sql`create table scratch.counter (n int not null)`;
  await sql`insert into scratch.counter values (0)`;
  const workers = 8;
  await Promise.all(
    Array.from({ length: workers }, () =>
      transaction(
        sql,
        async (tx) => {
          const [row] = await tx<{ n: number }[]>`select n from scratch.counter`;
          await new Promise((r) => setTimeout(r, 5)); // widen the race window
          await tx`update scratch.counter set n = ${row!.n + 1}`;
        },
        { isolation: 'serializable', maxAttempts: 30 },
      ),
    ),
  );
  const [row] = await sql<{ n: number }[]>`select n from scratch.counter`;
  t.equal(row!.n, workers, 'no lost update: every increment survived through retries');
});

t.test('transaction(): nested calls use a savepoint; read only is enforced', async (t) => {
  await transaction(sql, async (tx) => {
    await tx`insert into scratch.parents values (10, 'ten@example.com')`;
    await t.rejects(
      transaction(tx, async (inner) => {
        await inner`insert into scratch.parents values (11, 'eleven@example.com')`;
        await inner`insert into scratch.parents values (11, 'dup')`;
      }),
      UniqueViolation,
    );
  });
  t.same(
    (await sql`select id from scratch.parents where id in (10, 11) order by id`).map((r) => r.id),
    [10],
    'outer kept, inner rolled back',
  );
  const err = await transaction(sql, (tx) => tx`insert into scratch.parents values (12, 'x')`, {
    readOnly: true,
    isolation: 'repeatable read',
  }).catch((e: unknown) => e);
  t.equal((err as { code: string }).code, '25006', 'read only transaction refuses writes');
});

/** Runs `text` through db.ts as the statement `name`, and returns the error it throws (mapped there). */
async function failure(name: string, text: string, params: unknown[] = [], db: Db = sql): Promise<unknown> {
  return many(db, adhoc<unknown[]>(text, name), params).then(
    () => {
      throw new Error(`${name} did not fail`);
    },
    (err: unknown) => err,
  );
}

/** A value that must appear in no mapped error's message and no problem body. */
const SECRET = 'secret-value-7f3a';
const raiseSecret = (code: string) =>
  `do $$ begin raise exception '${SECRET}' using errcode = '${code}', detail = '${SECRET}'; end $$`;

/** A chat conversation of two users with one message from the first (made once). */
let chatMade: Promise<{ id: string; sender: string; other: string }> | undefined;
function chatConversation() {
  chatMade ??= (async () => {
    const users = await sql<{ id: string }[]>`
      insert into chat.users (email, name, password_hash)
      values ('one@errors.test', 'One', 'x'), ('two@errors.test', 'Two', 'x') returning id`;
    const [sender, other] = users.map((u) => u.id) as [string, string];
    const [c] = await sql<
      { conversation_id: string }[]
    >`select conversation_id from chat.open_direct(${sender}, ${other})`;
    await sql`select chat.send_message(${sender}, ${c!.conversation_id}, 'hello')`;
    return { id: c!.conversation_id, sender, other };
  })();
  return chatMade;
}

interface Case {
  /** The statement name the error must carry. */
  statement: string;
  /** Runs the statement under that name; resolves to the mapped error. */
  run: (statement: string) => Promise<unknown>;
  Class: DbErrorClass;
  code: string;
  /** HTTP status of its problem, by request method (default POST). */
  status: number;
  method?: string;
  fields?: Record<string, unknown>;
}

/** `failure` inside a transaction that first runs `setup` (a failed statement fails the whole transaction). */
const inTransaction = (name: string, setup: string, text: string) =>
  sql
    .begin(async (tx) => {
      await tx.unsafe(setup);
      await tx.unsafe(text);
    })
    .then(
      () => {
        throw new Error(`${name} did not fail`);
      },
      (err: unknown) => mapDbError(err, name),
    );

const registryCases: Record<string, Case[]> = {
  '23505': [
    {
      statement: 'core/unique',
      run: (s) => failure(s, 'insert into scratch.parents values (20, $1)', ['a@example.com']),
      Class: UniqueViolation,
      code: '23505',
      status: 409,
      fields: { constraint: 'parents_email_key', table: 'parents' },
    },
  ],
  '23P01': [
    {
      statement: 'core/exclusion',
      run: (s) =>
        failure(s, `insert into scratch.children values (30, 1, 1, 'x', '[100,105)'), (31, 1, 1, 'y', '[103,107)')`),
      Class: ExclusionViolation,
      code: '23P01',
      status: 409,
      fields: { constraint: 'children_no_overlap' },
    },
  ],
  '23503': [
    {
      statement: 'core/fk_write',
      run: (s) => failure(s, 'insert into scratch.children values (32, $1, 1, null, null)', [99]),
      Class: ForeignKeyViolation,
      code: '23503',
      status: 422,
      fields: { constraint: 'children_parent_fkey' },
    },
    {
      statement: 'core/fk_delete',
      run: (s) => failure(s, `delete from scratch.parents where id = 3`),
      Class: ForeignKeyViolation,
      code: '23503',
      status: 409,
      method: 'DELETE',
      fields: { constraint: 'children_parent_fkey' },
    },
  ],
  '23514': [
    {
      statement: 'core/check',
      run: (s) => failure(s, 'insert into scratch.children values (33, 1, $1, null, null)', [-7]),
      Class: CheckViolation,
      code: '23514',
      status: 422,
      fields: { constraint: 'children_qty_positive' },
    },
  ],
  '23502': [
    {
      statement: 'core/not_null',
      run: (s) => failure(s, 'insert into scratch.children values (34, 1, null, $1, null)', ['s']),
      Class: NotNullViolation,
      code: '23502',
      status: 422,
      fields: { column: 'qty' },
    },
  ],
  '22P02': [
    {
      statement: 'core/bad_int',
      run: (s) => failure(s, 'select $1::text::int', [SECRET]),
      Class: InvalidInput,
      code: '22P02',
      status: 400,
    },
  ],
  '22001': [
    {
      statement: 'core/too_long',
      run: (s) => failure(s, 'insert into scratch.children values (35, 1, 1, $1, null)', [SECRET]),
      Class: InvalidInput,
      code: '22001',
      status: 400,
    },
  ],
  '22003': [
    {
      statement: 'core/out_of_range',
      run: (s) => failure(s, 'select $1::int + 1', [2147483647]),
      Class: InvalidInput,
      code: '22003',
      status: 400,
    },
  ],
  '22007': [
    {
      statement: 'core/bad_date',
      run: (s) => failure(s, 'select $1::text::date', [SECRET]),
      Class: InvalidInput,
      code: '22007',
      status: 400,
    },
  ],
  '22008': [
    {
      statement: 'core/date_overflow',
      run: (s) => failure(s, 'select $1::text::date', ['2024-02-30']),
      Class: InvalidInput,
      code: '22008',
      status: 400,
    },
  ],
  '22021': [
    {
      statement: 'core/nul',
      run: (s) => failure(s, 'select $1::text', [`${SECRET}\u0000`]),
      Class: InvalidInput,
      code: '22021',
      status: 400,
    },
  ],
  '40001': [
    {
      statement: 'core/serialization',
      run: (s) => failure(s, raiseSecret('40001')),
      Class: TransientConflict,
      code: '40001',
      status: 503,
    },
  ],
  '40P01': [
    {
      statement: 'core/deadlock',
      run: (s) => failure(s, raiseSecret('40P01')),
      Class: TransientConflict,
      code: '40P01',
      status: 503,
    },
  ],
  '53300': [
    {
      statement: 'core/too_many',
      run: (s) => failure(s, raiseSecret('53300')),
      Class: Unavailable,
      code: '53300',
      status: 503,
    },
  ],
  '57014': [
    {
      statement: 'core/timeout',
      run: (s) => inTransaction(s, 'set local statement_timeout = 50', 'select pg_sleep(2)'),
      Class: StatementTimeout,
      code: '57014',
      status: 503,
    },
  ],
  '57P01': [
    {
      statement: 'core/admin_shutdown',
      run: (s) => failure(s, raiseSecret('57P01')),
      Class: BackendTerminated,
      code: '57P01',
      status: 503,
    },
  ],
  '57P02': [
    {
      statement: 'core/crash_shutdown',
      run: (s) => failure(s, raiseSecret('57P02')),
      Class: BackendTerminated,
      code: '57P02',
      status: 503,
    },
  ],
  '57P03': [
    {
      statement: 'core/cannot_connect',
      run: (s) => failure(s, raiseSecret('57P03')),
      Class: ConnectionLost,
      code: '57P03',
      status: 503,
    },
  ],
  '08': [
    {
      statement: 'core/connection',
      run: (s) => failure(s, raiseSecret('08006')),
      Class: ConnectionLost,
      code: '08006',
      status: 503,
    },
    {
      statement: 'core/connection',
      run: (s) => failure(s, raiseSecret('08000')),
      Class: ConnectionLost,
      code: '08000',
      status: 503,
    },
    {
      statement: 'core/connection',
      run: (s) => failure(s, raiseSecret('08P01')),
      Class: ConnectionLost,
      code: '08P01',
      status: 503,
    },
  ],
  // Project codes: booking's status machine, expense's missing exchange rate, saas's row-level security, chat's procedures.
  CH001: [
    {
      statement: 'chat/send_message',
      // Nobody is a member of a conversation that does not exist.
      run: (s) => failure(s, `select * from chat.send_message(987654, 987654, 'x')`),
      Class: NotAMember,
      code: 'CH001',
      fields: { constraint: 'members_current', schema: 'chat' },
      status: 404,
    },
  ],
  CH002: [
    {
      statement: 'chat/edit_message',
      // User 2 edits user 1's message (chatConversation() made both and the message).
      run: async (s) => {
        const c = await chatConversation();
        return failure(s, `select * from chat.edit_message($1, $2, 1, 'hijack')`, [c.other, c.id]);
      },
      Class: NotAllowed,
      code: 'CH002',
      fields: { constraint: 'messages_edit_by_sender' },
      status: 403,
    },
  ],
  CH003: [
    {
      statement: 'chat/delete_message',
      run: async (s) => {
        const c = await chatConversation();
        return failure(s, 'select * from chat.delete_message($1, $2, 99)', [c.sender, c.id]);
      },
      Class: NoSuchMessage,
      code: 'CH003',
      status: 404,
    },
  ],
  BK001: [
    {
      statement: 'booking/transition_booking',
      run: (s) => failure(s, raiseSecret('BK001')),
      Class: IllegalTransition,
      code: 'BK001',
      status: 409,
    },
  ],
  BK002: [
    {
      statement: 'booking/transition_booking',
      run: (s) => failure(s, raiseSecret('BK002')),
      Class: PaymentRequired,
      code: 'BK002',
      status: 409,
    },
  ],
  EX001: [
    {
      statement: 'expense/report_totals',
      // expense.convert itself, for a currency with no rate recorded: the real raise.
      run: (s) => failure(s, `select expense.convert(-1000, gen_random_uuid(), 'EUR', date '2024-01-01')`),
      Class: MissingExchangeRate,
      code: 'EX001',
      status: 422,
    },
  ],
  '42501': [
    {
      statement: 'saas/update_task',
      // The request role of saas has no grant on another project's schema: a real 42501.
      run: (s) => inTransaction(s, 'set local role saas_app', 'select * from todo.todos'),
      Class: RowSecurityRefused,
      code: '42501',
      status: 403,
    },
  ],
};

t.test('every registered SQLSTATE: class, code, statement, problem status, no values', async (t) => {
  await sql.unsafe(
    `insert into scratch.parents values (3, 'three@example.com'); insert into scratch.children values (36, 3, 1, null, null)`,
  );
  const registered = [...registeredSqlStates().keys()];
  t.same(
    Object.keys(registryCases).filter((c) => !registered.includes(c)),
    [],
    'no case for a code nobody registers',
  );
  for (const code of registered) {
    const cases = registryCases[code];
    if (!cases) {
      t.fail(`SQLSTATE ${code} (${registeredSqlStates().get(code)!.name}) is registered but has no case here`);
      continue;
    }
    for (const c of cases) {
      const label = `${code} as ${c.code}`;
      const err = await c.run(c.statement);
      t.ok(err instanceof c.Class, `${label}: ${c.Class.name}, got ${(err as Error).name}`);
      t.equal((err as Error).constructor, c.Class, `${label}: exactly ${c.Class.name}`);
      t.match(err, { code: c.code, statement: c.statement }, `${label}: code and statement`);
      if (c.fields) t.match(err, c.fields, `${label}: fields`);
      t.ok((err as DbError).cause, `${label}: keeps the driver error`);
      t.notMatch((err as Error).message, SECRET, `${label}: the message quotes no value`);
      const p = toProblem(err, c.method ?? 'POST');
      t.equal(p.status, c.status, `${label}: HTTP ${c.status}`);
      t.notMatch(JSON.stringify(p.problem), SECRET, `${label}: the problem quotes no value`);
    }
  }
});

t.test('the statement name is the one given', async (t) => {
  const err = await failure('booking/transition_booking', raiseSecret('BK001'));
  t.equal((err as DbError).statement, 'booking/transition_booking');
  t.match((err as Error).message, /BK001.*booking\/transition_booking/);
  const unnamed = mapDbError(Object.assign(new Error(SECRET), { code: '23505', constraint_name: 'x_key' }));
  t.equal((unnamed as DbError).statement, undefined);
  t.equal((unnamed as Error).message, 'UniqueViolation (23505) on x_key');
});

t.test('an unregistered SQLSTATE passes as it is, with the statement named for the log', async (t) => {
  const err = await failure('core/divide', 'select 1 / $1::int', [0]);
  t.notOk(err instanceof DbError);
  t.match(err, { code: '22012', statement: 'core/divide' });
  t.equal(toProblem(err).status, 500);
  t.equal(mapDbError(err, 'core/other'), err, 'the same error');
  t.equal((err as { statement: string }).statement, 'core/divide', 'the first name stays');
});

t.test('a two-character class entry covers its codes; an exact entry wins', async (t) => {
  t.equal(classOfSqlState('08001'), ConnectionLost);
  t.equal(classOfSqlState('57P01'), BackendTerminated, 'exact');
  t.equal(classOfSqlState('57000'), undefined, 'no 57 class entry: 57000 stays unmapped');
  t.equal(classOfSqlState('22012'), undefined, 'division by zero stays a 500');
});

t.test(
  'connection failures are ConnectionLost, a terminated backend BackendTerminated, both Unavailable',
  async (t) => {
    const dead = connect('postgres://postgres@127.0.0.1:1/none', { max: 1, options: { connect_timeout: 5 } });
    const refused = await many(dead, adhoc('select 1')).catch((e: unknown) => e);
    await dead.end();
    t.type(refused, ConnectionLost, 'ECONNREFUSED');
    t.match(refused, { code: '08006' });
    t.equal(toProblem(refused).status, 503);

    // A backend killed by pg_terminate_backend while it runs: postgres.js fails the running query
    // with its socket code and the next one with the 57P01 the server sent before closing.
    const victim = connect(url, { max: 1 });
    const pid = (await victim<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]!.pid;
    const running = many(victim, adhoc('select pg_sleep(30)')).catch((e: unknown) => e);
    for (;;) {
      const [row] = await sql<
        { wait_event: string | null }[]
      >`select wait_event from pg_stat_activity where pid = ${pid}`;
      if (row?.wait_event === 'PgSleep') break;
    }
    await sql`select pg_terminate_backend(${pid})`;
    const killed = await running;
    const next = await many(victim, adhoc('select 1')).then(
      () => undefined,
      (e: unknown) => e,
    );
    await victim.end();
    t.ok(
      killed instanceof ConnectionLost || killed instanceof BackendTerminated,
      `the running query: ${(killed as Error).name}`,
    );
    if (next !== undefined)
      t.ok(
        next instanceof BackendTerminated || next instanceof ConnectionLost,
        `the next query: ${(next as Error).name}`,
      );
    t.ok(killed instanceof Unavailable && (next === undefined || next instanceof Unavailable));
  },
);

t.test('maybeOne / one name the statement in TooManyRows and NotFound', async (t) => {
  const many2 = await maybeOne(sql, adhoc('select generate_series(1, 2)', 'core/two_rows')).catch((e: unknown) => e);
  t.type(many2, TooManyRows);
  t.match(many2, { rows: 2, statement: 'core/two_rows' });
  t.equal(toProblem(many2).status, 500, 'a statement returning too many rows is a bug: 500');
  await t.rejects(one(sql, adhoc('select generate_series(1, 3)'), []), TooManyRows);
  const missing = await one(
    sql,
    adhoc<[number]>('select 1 where $1::int = 0', 'core/find_parent'),
    [42],
    'parent',
  ).catch((e: unknown) => e);
  t.type(missing, NotFound);
  t.match(missing, { entity: 'parent', statement: 'core/find_parent' });
  t.notOk('key' in (missing as object), 'the key looked up (a parameter value) is not kept');
  t.notMatch((missing as Error).message, /42/);
});
