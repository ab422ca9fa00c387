// The one NotFound/Forbidden rule (found) and the SQLSTATE registry's own rules, without a database.
import t from 'tap';
import {
  CheckViolation,
  DbError,
  Forbidden,
  found,
  mapDbError,
  NotFound,
  registerSqlState,
  registeredSqlStates,
  UniqueViolation,
} from '../../src/lib/core/errors.js';

t.test('found: no row is NotFound, allowed = false Forbidden, done = false NotFound', async (t) => {
  t.throws(() => found(undefined, 'task'), NotFound);
  t.throws(() => found(null, 'task'), NotFound);
  t.match(
    t.throws(() => found(undefined, 'task')),
    { entity: 'task' },
  );
  const refused = (() => {
    try {
      found({ allowed: false, done: false }, 'task', 'delete this task');
    } catch (e) {
      return e;
    }
  })();
  t.type(refused, Forbidden, 'allowed is checked before done');
  t.match(refused, { action: 'delete this task', entity: 'task' });
  t.match(
    t.throws(() => found({ allowed: false }, 'team')),
    { action: 'change this team' },
    'a default action',
  );
  class NotOwner extends Forbidden {
    override name = 'NotOwner';
  }
  t.throws(
    () => found({ allowed: false }, 'article', () => new NotOwner('edit it')),
    NotOwner,
    "a project's own refusal",
  );
  t.throws(() => found({ allowed: true, done: false }, 'comment'), NotFound, 'allowed, but it vanished meanwhile');
  t.same(found({ id: '1', allowed: true, done: true }, 'task'), { id: '1' }, 'the flags are not part of the row');
  t.same(found({ id: '2', title: 'x' }, 'task'), { id: '2', title: 'x' }, 'a row without flags is returned as it is');
});

t.test('registerSqlState: codes or classes, one meaning each', async (t) => {
  class Lease extends DbError {}
  registerSqlState('LQ001', Lease);
  registerSqlState('LQ001', Lease);
  t.equal(registeredSqlStates().get('LQ001'), Lease, 'registering the same class again is harmless');
  t.throws(() => registerSqlState('LQ001', CheckViolation), /already registered to Lease/);
  t.throws(() => registerSqlState('23505', CheckViolation), /UniqueViolation/, 'a project cannot redefine a core code');
  t.throws(() => registerSqlState('2350', Lease), RangeError);
  t.throws(() => registerSqlState('235055', Lease), RangeError);
  const err = mapDbError(
    { code: 'LQ001', message: 'lease of job 42 lost', table_name: 'jobs', schema_name: 'queue' },
    'queue/renew',
  );
  t.type(err, Lease);
  t.match(err, {
    code: 'LQ001',
    table: 'jobs',
    schema: 'queue',
    statement: 'queue/renew',
    message: 'Lease (LQ001) in queue/renew',
  });
  t.type(mapDbError({ code: '23505' }), UniqueViolation);
  t.equal(mapDbError({ code: 'LQ999' }) instanceof DbError, false, 'unregistered codes pass unchanged');
});
