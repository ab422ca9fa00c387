// The `http` benchmark's baseline (bench/http/bare.ts) must do the same work as pg-grind's adapter
// for the ratio to mean anything: same statements, same JSON shape, same status codes.
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { bareServer } from '../../bench/http/bare.js';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';

const { sql } = await testDb(t);
const api = await testServer(t, sql);
const bare = bareServer(sql).listen(0, '127.0.0.1');
await new Promise((resolve) => bare.once('listening', resolve));
t.teardown(() => {
  bare.closeAllConnections();
  bare.close();
});
const bareBase = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;

/** status, ETag, and the body with the host part of URLs removed. */
async function answer(base: string, path: string, init: RequestInit = {}) {
  const res = await fetch(base + path, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
  const text = (await res.text()).replaceAll(base, '');
  return {
    status: res.status,
    etag: res.headers.get('etag'),
    body: JSON.parse(text) as unknown,
    link: res.headers.get('link') !== null,
  };
}

t.test('same answers as pg-grind for the benchmarked requests', async (t) => {
  const made = [];
  for (let i = 0; i < 3; i++)
    made.push(
      await answer(api.base, '/todo', { method: 'POST', body: JSON.stringify({ title: ` todo ${i} `, order: i }) }),
    );
  const viaBare = await answer(bareBase, '/todo', {
    method: 'POST',
    body: JSON.stringify({ title: ' bare todo ', order: 9 }),
  });
  t.equal(viaBare.status, 201);
  t.same(
    Object.keys(viaBare.body as object),
    Object.keys(made[0]!.body as object),
    'POST: same fields in the same order',
  );
  t.match(viaBare.body, { title: 'bare todo', completed: false, order: 9 }, 'POST: same SQL (title trimmed)');

  const id = (made[0]!.body as { id: number }).id;
  t.same(await answer(bareBase, `/todo/${id}`), await answer(api.base, `/todo/${id}`), 'GET /todo/:id');
  t.same(
    await answer(bareBase, '/todo?limit=2'),
    await answer(api.base, '/todo?limit=2'),
    'GET /todo?limit=2 (with a next link)',
  );

  const patch = { method: 'PATCH', body: JSON.stringify({ completed: true, title: 'patched' }) };
  const a = await answer(bareBase, `/todo/${id}`, patch);
  const b = await answer(api.base, `/todo/${id}`, patch);
  t.match(a, { status: 200, body: { completed: true, title: 'patched' } });
  t.equal(Number(JSON.parse(b.etag!)), Number(JSON.parse(a.etag!)) + 1, 'PATCH: each bumps the version');
  t.same({ ...(b.body as object), updatedAt: 0 }, { ...(a.body as object), updatedAt: 0 }, 'PATCH: same body');

  t.equal((await answer(bareBase, '/todo/999999')).status, 404);
  t.equal((await answer(bareBase, '/nowhere')).status, 404);
  t.equal((await answer(bareBase, '/todo/1', { method: 'DELETE' })).status, 405);
  t.equal(
    (await answer(bareBase, '/todo', { method: 'POST', body: '{"title": ""}' })).status,
    500,
    'no validation: a constraint error is a 500 here',
  );
});
