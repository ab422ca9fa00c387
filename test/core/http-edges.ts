// The whole app's edges on real PostgreSQL: malformed percent-encoding in any project's path.
import t from 'tap';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';

const { sql } = await testDb(t);
const api = await testServer(t, sql);

t.test('malformed percent-encoding in a path is a 400 in every project, never a 500', async (t) => {
  const problems = [
    ['GET', '/todo/%E0%A4%A'],
    ['PATCH', '/todo/%E0%A4%A'],
    ['DELETE', '/todo/%ZZ'],
    ['GET', '/booking/resources/%E0%A4%A'],
    ['GET', '/booking/customers/%C0%AF/bookings'],
    ['GET', '/saas/orgs/%E0%A4%A/members'],
    ['GET', '/queue/jobs/%E0%A4%A'],
    ['DELETE', '/queue/schedules/%FF'],
  ];
  for (const [method, path] of problems) {
    const res = await api.request(path!, method === 'PATCH' ? { method, json: { completed: true } } : { method });
    t.equal(res.status, 400, `${method} ${path}`);
    t.match(res.headers.get('content-type'), /^application\/problem\+json/, `${method} ${path}: problem+json`);
    t.match(
      await res.json(),
      { status: 400, title: 'Malformed URL', errors: [{ in: 'path', field: '(path)' }] },
      `${method} ${path}: names the path`,
    );
  }
  // RealWorld has no 400: its invalid input is a 422 in its own shape.
  for (const path of ['/blog/api/articles/%E0%A4%A', '/blog/api/profiles/%E0%A4%A/follow']) {
    const res = await api.request(path, { method: path.endsWith('follow') ? 'POST' : 'GET' });
    t.equal(res.status, 422, path);
    t.match(res.headers.get('content-type'), /^application\/json/, `${path}: the RealWorld shape`);
    t.match(await res.json(), { errors: { '(path)': [/percent-encoding/] } }, path);
  }
  // Nothing decodes these paths (the app's 404; the Swagger UI answers every path under /docs).
  for (const path of ['/%E0%A4%A', '/docs/%E0%A4%A']) {
    const res = await api.request(path);
    t.ok(res.status < 500, `${path}: ${res.status}, never a 5xx`);
    await res.arrayBuffer();
  }
});
