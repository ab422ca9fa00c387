// The HTTP side of the error table: every error class -> status, problem body and headers.
import t from 'tap';
import { HttpError, ValidationFailed, explainConstraint, toProblem } from '../../src/http/core/problem.js';
import {
  CheckViolation, ExclusionViolation, ForeignKeyViolation, InvalidCursor, InvalidInput, NotFound, NotNullViolation,
  StaleVersion, TransientConflict, UniqueViolation, Unavailable,
} from '../../src/lib/core/errors.js';

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

t.test('a 500 never leaks the message', async (t) => {
  const p = toProblem(new Error('duplicate key in relation "secret_table" at /app/src/x.ts:10'));
  t.notMatch(JSON.stringify(p.problem), /secret_table|x\.ts/);
});

t.test('a registered constraint names its field', async (t) => {
  explainConstraint('shop', 'items_price_positive', { field: 'price', message: 'price must be positive' });
  const p = toProblem(new CheckViolation('m', f('23514', { constraint: 'items_price_positive', schema: 'shop' })));
  t.match(p.problem, { constraint: 'items_price_positive', detail: 'price must be positive', errors: [{ field: 'price' }] });
  const other = toProblem(new CheckViolation('m', f('23514', { constraint: 'items_price_positive', schema: 'elsewhere' })));
  t.equal(other.problem.errors, undefined, 'keyed by schema too');
});
