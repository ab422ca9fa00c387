// The HTTP side of the error table: every error class -> status, problem body and headers.
import t from 'tap';
import {
  HttpError,
  MAX_ISSUES,
  ValidationFailed,
  explainConstraint,
  registerProblem,
  toProblem,
} from '../../src/http/core/problem.js';
import {
  BackendTerminated,
  CheckViolation,
  ConnectionLost,
  ExclusionViolation,
  Forbidden,
  ForeignKeyViolation,
  InvalidCursor,
  InvalidInput,
  NotFound,
  NotNullViolation,
  StaleVersion,
  StatementTimeout,
  TooManyRows,
  TransientConflict,
  UniqueViolation,
  Unavailable,
} from '../../src/lib/core/errors.js';
import { IdempotencyKeyReused } from '../../src/lib/core/idempotency.js';
import { InvalidToken } from '../../src/lib/core/token.js';

const f = (code: string, extra = {}) => ({ code, ...extra });

t.test('the STYLE.md table', async (t) => {
  const cases: [unknown, string, number][] = [
    [new UniqueViolation('m', f('23505')), 'POST', 409],
    [new ExclusionViolation('m', f('23P01')), 'POST', 409],
    [new ForeignKeyViolation('m', f('23503')), 'POST', 422],
    [new ForeignKeyViolation('m', f('23503')), 'DELETE', 409],
    [new CheckViolation('m', f('23514')), 'PATCH', 422],
    [new NotNullViolation('m', f('23502', { column: 'qty' })), 'POST', 422],
    [new InvalidInput('m', f('22P02')), 'GET', 400],
    [new TransientConflict('m', f('40001')), 'POST', 503],
    [new Unavailable('m', f('57014')), 'GET', 503],
    [new NotFound('todo'), 'GET', 404],
    [new StaleVersion('todo', 1, 2), 'PATCH', 412],
    [new InvalidCursor(), 'GET', 400],
    [new HttpError(418, 'Teapot'), 'GET', 418],
    [new ValidationFailed([{ in: 'body', field: 'x', message: 'bad' }]), 'POST', 400],
    [Object.assign(new Error('x'), { status: 413, type: 'entity.too.large', expose: true }), 'POST', 413],
    [Object.assign(new Error('x'), { status: 400, type: 'entity.parse.failed', expose: true }), 'POST', 400],
    [Object.assign(new Error('x'), { status: 415, type: 'charset.unsupported', expose: true }), 'POST', 415],
    [Object.assign(new Error('select * from secrets'), { code: 'XX000' }), 'GET', 500],
    [new Error('boom'), 'GET', 500],
  ];
  for (const [err, method, status] of cases) {
    const p = toProblem(err, method);
    t.equal(p.status, status, `${(err as Error).name} ${method}`);
    t.equal(p.problem.status, status);
    t.type(p.problem.title, 'string');
  }
  t.equal(toProblem(new TransientConflict('m', f('40001'))).headers?.['retry-after'], '1');
  t.equal(toProblem(new Unavailable('m', f('08006'))).headers?.['retry-after'], '5');
});

t.test("the router's malformed percent-encoding is a 400 naming the path; any other URIError a 500", async (t) => {
  const routerError = Object.assign(new URIError("Failed to decode param '%E0%A4%A'"), {
    status: 400,
    statusCode: 400,
  });
  t.match(toProblem(routerError), {
    status: 400,
    problem: { status: 400, title: 'Malformed URL', errors: [{ in: 'path', field: '(path)' }] },
  });
  t.equal(toProblem(new URIError('URI malformed')).status, 500);
});

t.test('a ValidationFailed lists at most MAX_ISSUES issues, with field names shortened', async (t) => {
  const issues = Array.from({ length: 25 }, (_, i) => ({ in: 'body' as const, field: `f${i}`, message: 'bad' }));
  const many = toProblem(new ValidationFailed(issues), 'POST').problem;
  t.equal(many.errors?.length, MAX_ISSUES);
  t.match(many.detail, /and 5 more$/);
  const long = toProblem(new ValidationFailed([{ in: 'body', field: 'y'.repeat(10_000), message: 'bad' }])).problem;
  t.ok(long.errors![0]!.field.length <= 201, 'the field is shortened');
  t.ok(long.detail!.length < 300, 'so is the detail');
  t.match(toProblem(new ValidationFailed([issues[0]!], true)).problem.detail, /may be more/, 'incomplete says so');
});

t.test('a 500 never leaks the message', async (t) => {
  const p = toProblem(new Error('duplicate key in relation "secret_table" at /app/src/x.ts:10'));
  t.notMatch(JSON.stringify(p.problem), /secret_table|x\.ts/);
});

t.test('a registered constraint names its field', async (t) => {
  explainConstraint('shop', 'items_price_positive', { field: 'price', message: 'price must be positive' });
  const p = toProblem(new CheckViolation('m', f('23514', { constraint: 'items_price_positive', schema: 'shop' })));
  t.match(p.problem, {
    constraint: 'items_price_positive',
    detail: 'price must be positive',
    errors: [{ field: 'price' }],
  });
  const other = toProblem(
    new CheckViolation('m', f('23514', { constraint: 'items_price_positive', schema: 'elsewhere' })),
  );
  t.equal(other.problem.errors, undefined, 'keyed by schema too');
});

t.test('lookup walks the prototype chain: a subclass without an entry renders as its parent', async (t) => {
  const timeout = toProblem(new StatementTimeout('m', f('57014')));
  t.match(timeout, { status: 503, problem: { title: 'Database unavailable' }, headers: { 'retry-after': '5' } });
  t.equal(toProblem(new BackendTerminated('m', f('57P01'))).status, 503);
  t.equal(toProblem(new ConnectionLost('m', f('08006'))).status, 503);
  class Refused extends Forbidden {}
  t.equal(toProblem(new Refused('do this')).status, 403, 'inherited');
  registerProblem(Refused, () => ({ status: 451, title: 'Unavailable for legal reasons' }));
  t.match(
    toProblem(new Refused('do this')),
    { status: 451, problem: { detail: 'Unavailable for legal reasons' } },
    'own entry wins; detail defaults to the title',
  );
  t.equal(toProblem(new Forbidden('do this')).status, 403, 'the parent keeps its own');
  t.equal(toProblem(new TooManyRows(2)).status, 500, 'unregistered: 500');
});

t.test('a renderer adds extension members and headers; headers never reach the body', async (t) => {
  class Teapot extends Error {}
  registerProblem(Teapot, (_err, method) => ({
    status: 418,
    title: 'Teapot',
    detail: `${method} refused`,
    brewing: ['earl grey'],
    headers: { 'x-pot': 'short' },
  }));
  const p = toProblem(new Teapot(), 'PUT');
  t.same(p, {
    status: 418,
    problem: { type: 'about:blank', title: 'Teapot', status: 418, detail: 'PUT refused', brewing: ['earl grey'] },
    headers: { 'x-pot': 'short' },
  });
});

t.test('a constraint meaning may override the status of its class', async (t) => {
  explainConstraint('club', 'visits_member_fkey', { field: 'token', message: 'names a deleted member', status: 401 });
  const fk = new ForeignKeyViolation('m', f('23503', { constraint: 'visits_member_fkey', schema: 'club' }));
  for (const method of ['POST', 'DELETE']) {
    t.match(
      toProblem(fk, method),
      {
        status: 401,
        problem: {
          status: 401,
          constraint: 'visits_member_fkey',
          errors: [{ field: 'token', message: 'names a deleted member' }],
        },
      },
      method,
    );
  }
});

t.test('NotFound, Forbidden, InvalidToken, IdempotencyKeyReused', async (t) => {
  t.match(toProblem(new NotFound('task')), { status: 404, problem: { detail: 'task not found' } });
  t.match(toProblem(new Forbidden('delete this task', 'task')), {
    status: 403,
    problem: { detail: 'not allowed to delete this task' },
  });
  t.match(toProblem(new InvalidToken('expired')), {
    status: 401,
    problem: { errors: [{ in: 'header', field: 'authorization', message: 'has expired' }] },
    headers: { 'www-authenticate': 'Bearer' },
  });
  t.match(toProblem(new InvalidToken('signature')), { status: 401, problem: { errors: [{ message: 'is invalid' }] } });
  t.match(toProblem(new IdempotencyKeyReused('k')), {
    status: 422,
    problem: { errors: [{ field: 'idempotency-key' }] },
  });
});
