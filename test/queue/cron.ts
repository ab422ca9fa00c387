// Unit tier: the cron matcher (pure TypeScript, no database).
import t from 'tap';
import { CronSyntaxError, cronTicks, parseCron } from '../../src/lib/queue/cron.js';

const at = (s: string) => new Date(s);
const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

t.test('5-field expressions tick on minutes', async (t) => {
  t.same(
    iso(cronTicks(parseCron('*/15 * * * *'), at('2026-01-01T00:00:00Z'), at('2026-01-01T01:00:00Z'))),
    ['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z', '2026-01-01T01:00:00.000Z'],
    'half-open interval: start excluded, end included',
  );
  t.same(
    iso(cronTicks(parseCron('30 9 * * 1-5'), at('2026-01-02T00:00:00Z'), at('2026-01-06T00:00:00Z'))),
    ['2026-01-02T09:30:00.000Z', '2026-01-05T09:30:00.000Z'],
    'weekdays only (Fri 2nd, Mon 5th)',
  );
  t.same(
    iso(cronTicks(parseCron('0 0 1,15 * *'), at('2026-02-01T00:00:00Z'), at('2026-03-01T00:00:00Z'))),
    ['2026-02-15T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    'lists',
  );
  t.same(
    iso(cronTicks(parseCron('0 12 13 * 5'), at('2026-03-01T00:00:00Z'), at('2026-03-21T00:00:00Z'))),
    ['2026-03-06T12:00:00.000Z', '2026-03-13T12:00:00.000Z', '2026-03-20T12:00:00.000Z'],
    'day OR weekday when both are restricted',
  );
  t.same(
    iso(cronTicks(parseCron('0 0 * * 7'), at('2026-03-01T00:00:01Z'), at('2026-03-09T00:00:00Z'))),
    ['2026-03-08T00:00:00.000Z'],
    '7 is Sunday',
  );
  t.same(
    iso(cronTicks(parseCron('0 0 1 1 *'), at('2026-01-01T00:00:01Z'), at('2026-12-31T00:00:00Z'))),
    [],
    'nothing in range',
  );
});

t.test('6-field expressions tick on seconds', async (t) => {
  t.same(iso(cronTicks(parseCron('*/20 * * * * *'), at('2026-01-01T00:00:00.500Z'), at('2026-01-01T00:01:00Z'))), [
    '2026-01-01T00:00:20.000Z',
    '2026-01-01T00:00:40.000Z',
    '2026-01-01T00:01:00.000Z',
  ]);
  t.equal(parseCron('5-10/2 * * * * *').seconds.size, 3, 'range with step');
  t.equal(parseCron('5/20 * * * *').minutes.size, 3, 'start with step runs to the end');
});

t.test('syntax errors', async (t) => {
  for (const bad of [
    '* * * *',
    '* * * * * * *',
    '60 * * * *',
    '* 24 * * *',
    '* * 0 * *',
    '* * * 13 *',
    '* * * * 8',
    'a * * * *',
    '*/0 * * * *',
    '5-1 * * * *',
    '',
  ]) {
    t.throws(() => parseCron(bad), CronSyntaxError, JSON.stringify(bad));
  }
});
