/**
 * /todo: the Todo-Backend API (https://todobackend.com) over pg-grind/todo, plus ETags,
 * If-Match, filtering and keyset pagination.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Request } from 'express';
import type { Db } from '../lib/core/db.js';
import * as todos from '../lib/todo/index.js';
import { Api } from './core/api.js';
import { etagOf, ifMatchVersion, notModified } from './core/conditional.js';
import { baseUrl, sendPage } from './core/links.js';
import { explainConstraint } from './core/problem.js';
import { DateTime, IdParams, Nullable, PageQuery, nextLinkHeader } from './core/schemas.js';

explainConstraint('todo', 'todos_title_length', {
  field: 'title',
  message: 'title must be 1 to 500 characters after trimming',
});

const TodoJson = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    completed: Type.Boolean(),
    order: Nullable(Type.Integer()),
    url: Type.String({ format: 'uri', description: 'absolute URL that GETs this todo' }),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { additionalProperties: false },
);
const title = Type.String({ minLength: 1, maxLength: 500, description: '1 to 500 characters after trimming' });
const order = Nullable(Type.Integer({ minimum: -2147483648, maximum: 2147483647 }));
const ifMatch = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      description:
        'ETag from a previous response: the write happens only if the todo is still at that version (412 otherwise)',
    }),
  ),
});
const etagHeader = {
  ETag: { description: 'the todo version, for If-Match / If-None-Match', schema: { type: 'string' } },
};

function toJson(req: Request, t: todos.Todo): Static<typeof TodoJson> {
  return {
    id: Number(t.id),
    title: t.title,
    completed: t.completed,
    order: t.order,
    url: `${baseUrl(req)}/${t.id}`,
    createdAt: t.created_at.toISOString(),
    updatedAt: t.updated_at.toISOString(),
  };
}

export function todoApi(db: Db): Api {
  return new Api('/todo', 'todo', 'Project 1: single-table CRUD (Todo-Backend API)')
    .route({
      method: 'get',
      path: '/',
      summary: 'List todos (keyset pages, oldest first)',
      query: PageQuery(todos.PAGE_SIZE, {
        completed: Type.Optional(Type.Boolean({ description: 'only completed (true) or open (false) todos' })),
      }),
      responses: { 200: { description: 'a page of todos', schema: Type.Array(TodoJson), headers: nextLinkHeader } },
      handler: async ({ query }, req, res) => {
        sendPage(req, res, await todos.listTodos(db, query), (t) => toJson(req, t));
      },
    })
    .route({
      method: 'post',
      path: '/',
      summary: 'Create a todo',
      body: Type.Object(
        { title, completed: Type.Optional(Type.Boolean()), order: Type.Optional(order) },
        { additionalProperties: false },
      ),
      responses: {
        201: {
          description: 'created',
          schema: TodoJson,
          headers: { ...etagHeader, Location: { description: 'URL of the todo' } },
        },
      },
      handler: async ({ body }, req, res) => {
        const t = await todos.createTodo(db, body);
        res
          .status(201)
          .set('ETag', etagOf(t.version))
          .location(`${baseUrl(req)}/${t.id}`)
          .json(toJson(req, t));
      },
    })
    .route({
      method: 'delete',
      path: '/',
      summary: 'Delete every todo',
      responses: { 204: { description: 'all deleted' } },
      handler: async (_input, _req, res) => {
        await todos.deleteTodos(db);
        res.status(204).end();
      },
    })
    .route({
      method: 'get',
      path: '/:id',
      summary: 'Get a todo',
      params: IdParams,
      headers: Type.Object({ 'if-none-match': Type.Optional(Type.String()) }),
      responses: {
        200: { description: 'the todo', schema: TodoJson, headers: etagHeader },
        304: { description: 'not modified' },
        404: { description: 'no such todo' },
      },
      handler: async ({ params }, req, res) => {
        const t = await todos.getTodo(db, params.id);
        if (!notModified(req, res, t.version)) res.json(toJson(req, t));
      },
    })
    .route({
      method: 'patch',
      path: '/:id',
      summary: 'Change some fields of a todo',
      params: IdParams,
      headers: ifMatch,
      body: Type.Object(
        { title: Type.Optional(title), completed: Type.Optional(Type.Boolean()), order: Type.Optional(order) },
        { additionalProperties: false },
      ),
      responses: {
        200: { description: 'the updated todo', schema: TodoJson, headers: etagHeader },
        404: { description: 'no such todo' },
        412: { description: 'If-Match names an older version' },
      },
      handler: async ({ params, body }, req, res) => {
        const t = await todos.updateTodo(db, params.id, body, { version: ifMatchVersion(req) });
        res.set('ETag', etagOf(t.version)).json(toJson(req, t));
      },
    })
    .route({
      method: 'delete',
      path: '/:id',
      summary: 'Delete a todo',
      params: IdParams,
      headers: ifMatch,
      responses: {
        204: { description: 'deleted' },
        404: { description: 'no such todo' },
        412: { description: 'If-Match names an older version' },
      },
      handler: async ({ params }, req, res) => {
        await todos.deleteTodo(db, params.id, { version: ifMatchVersion(req) });
        res.status(204).end();
      },
    });
}
