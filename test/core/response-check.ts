// The tests' response check (test/helpers/http.ts) catches each kind of drift between what a route
// declares and what it sends; and api.route types handler input from the TypeBox schemas alone.
import { Type } from '@sinclair/typebox';
import express from 'express';
import { pino } from 'pino';
import t from 'tap';
import { Api, openApiDocument } from '../../src/http/core/api.js';
import { HttpError, problemHandler, sendProblem } from '../../src/http/core/problem.js';
import { DateTime, IdParams, Nullable, PageQuery } from '../../src/http/core/schemas.js';
import { serve } from '../helpers/http.js';

const Thing = Type.Object(
  { id: Type.Integer(), name: Type.String(), at: DateTime(), note: Nullable(Type.String()) },
  { additionalProperties: false },
);
const good = { id: 1, name: 'a', at: new Date(0).toISOString(), note: null };

const api = new Api('/t', 't')
  .route({
    method: 'get',
    path: '/things/:id',
    summary: 'one thing',
    params: IdParams,
    query: Type.Object({ send: Type.Optional(Type.String()) }),
    responses: { 200: { description: 'the thing', schema: Thing }, 404: { description: 'no such thing' } },
    handler: ({ params, query }, _req, res) => {
      const id: number = params.id;
      // @ts-expect-error: the params schema declares no `name`
      void params.name;
      const sent: Record<string, unknown> = {
        good,
        missing: { id, name: 'a', at: good.at },
        extra: { ...good, colour: 'red' },
        badDate: { ...good, at: 'yesterday' },
      };
      if (query.send === 'notFound') throw new HttpError(404, 'Not found', 'no such thing');
      if (query.send === 'plain404') {
        res.status(404).json({ oops: true });
        return;
      }
      if (query.send === 'accepted') {
        res.status(202).json(good);
        return;
      }
      res.json(sent[query.send ?? 'good']);
    },
  })
  .route({
    method: 'post',
    path: '/things',
    summary: 'make a thing',
    body: Type.Object(
      { name: Type.String(), note: Type.Optional(Nullable(Type.String())) },
      { additionalProperties: false },
    ),
    responses: { 204: { description: 'made, nothing to say' } },
    handler: ({ body }, _req, res) => {
      const name: string = body.name;
      const note: string | null | undefined = body.note;
      // @ts-expect-error: a body typed from its schema is not any
      const wrong: number = body.name;
      if (note === 'talk') {
        res.json({ name, wrong });
        return;
      }
      res.status(204).end();
    },
  })
  .route({
    method: 'put',
    path: '/things/:id',
    summary: 'touch a thing, optionally with a note',
    params: IdParams,
    body: Type.Object({ note: Type.String() }),
    bodyRequired: false,
    responses: { 200: { description: 'the thing', schema: Thing } },
    handler: ({ params, body }, _req, res) => {
      // @ts-expect-error: an optional body may be absent
      const sure: { note: string } = body;
      void sure;
      res.json({ ...good, id: params.id, note: body?.note ?? null });
    },
  })
  .route({
    method: 'get',
    path: '/things',
    summary: 'a page',
    query: PageQuery({ default: 2, max: 5 }),
    responses: { 200: { description: 'things', schema: Type.Array(Thing) } },
    handler: ({ query }, _req, res) => {
      const limit: number | undefined = query.limit;
      res.json(Array.from({ length: limit ?? 0 }, () => good));
    },
  });

const app = express();
app.use(api.prefix, api.router);
app.use((req, res) => {
  sendProblem(res, 404, { type: 'about:blank', title: 'Not found', status: 404, detail: `no route for ${req.path}` });
});
app.use(problemHandler(pino({ level: 'silent' })));
const s = await serve(
  t,
  Object.assign(app, { apis: [api], openapi: openApiDocument([api], { title: 't', version: '0', description: '' }) }),
);

t.test('a body that matches its declared schema passes', async (t) => {
  t.equal((await s.request('/t/things/1')).status, 200);
  t.same(await (await s.request('/t/things?limit=3')).json(), [good, good, good], 'defaults and coercion still apply');
  t.equal(
    (await s.request('/t/things/1?send=notFound')).status,
    404,
    'a declared error status answers in problem+json',
  );
  t.equal((await s.request('/t/things/x')).status, 400, 'invalid input: the default 400 problem');
  t.equal((await s.request('/t/nothing')).status, 404, "no route: the app's problem");
  t.equal(
    (await s.request('/t/things', { method: 'POST', json: { name: 'a' } })).status,
    204,
    'no body, nothing to check',
  );
  t.same(
    await (await s.request('/t/things/2', { method: 'PUT' })).json(),
    { ...good, id: 2 },
    'an optional body left out',
  );
  t.same(await (await s.request('/t/things/2', { method: 'PUT', json: { note: 'n' } })).json(), {
    ...good,
    id: 2,
    note: 'n',
  });
});

t.test('each kind of drift fails with the route, the status and what is wrong', async (t) => {
  const cases: [string, RequestInit & { json?: unknown }, RegExp][] = [
    [
      '/t/things/1?send=missing',
      {},
      /GET \/t\/things\/1 \(route GET \/t\/things\/\{id\}\) 200: the body does not match.*must have required property 'note'/,
    ],
    ['/t/things/1?send=extra', {}, /route GET \/t\/things\/\{id\}\) 200: .*must NOT have additional properties/],
    ['/t/things/1?send=badDate', {}, /must match format "date-time"/],
    ['/t/things/1?send=plain404', {}, /404: sent application\/json, the route declares application\/problem\+json/],
    ['/t/things/1?send=accepted', {}, /202: the route declares no response for this status/],
    [
      '/t/things',
      { method: 'POST', json: { name: 'a', note: 'talk' } },
      /POST \/t\/things\) 200: the route declares no response/,
    ],
  ];
  for (const [path, init, message] of cases) await t.rejects(s.request(path, init), { message }, path);
});
