// bench/lib's table(): the one text format every benchmark prints.
import t from 'tap';
import { table } from '../../bench/lib.js';

t.test('aligned columns: first left, the rest right; integers grouped, fractions to 2 places', async (t) => {
  const out = table([
    { endpoint: 'GET /todo/:id', 'req/s': 12345, ratio: 0.5, errors: '0 / 0' },
    { endpoint: 'POST /todo', 'req/s': 987, ratio: 1, note: 'extra column', errors: null },
  ]).split('\n');
  t.same(
    out,
    [
      'endpoint        req/s  ratio  errors          note',
      '-------------  ------  -----  ------  ------------',
      'GET /todo/:id  12,345   0.50   0 / 0              ',
      'POST /todo        987      1          extra column',
    ],
    'as printed',
  );
});

t.test('no rows', async (t) => {
  t.equal(table([]), '(no rows)');
});
