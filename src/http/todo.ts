/**
 * /todo: the Todo-Backend API (https://todobackend.com) over pg-grind/todo, plus ETags,
 * If-Match, filtering and keyset pagination.
 */
import type { Request } from 'express';
import type { Db } from '../lib/core/db.js';
import * as todos from '../lib/todo/index.js';
import { Api } from './core/api.js';
import { etagOf, ifMatchVersion, notModified } from './core/conditional.js';
import { baseUrl, nextLink } from './core/links.js';
import { explainConstraint } from './core/problem.js';

explainConstraint('todo', 'todos_title_length', { field: 'title', message: 'title must be 1 to 500 characters after trimming' });

const todoJson = {
  type: 'object',
  required: ['id', 'title', 'completed', 'order', 'url', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'integer' },
    title: { type: 'string' },
    completed: { type: 'boolean' },
    order: { type: ['integer', 'null'] },
    url: { type: 'string', format: 'uri', description: 'absolute URL that GETs this todo' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};
const title = { type: 'string', minLength: 1, maxLength: 500, description: '1 to 500 characters after trimming' };
const order = { type: ['integer', 'null'], minimum: -2147483648, maximum: 2147483647 };
const idParams = {
  type: 'object', required: ['id'], additionalProperties: false,
  properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
};
const ifMatch = {
  type: 'object',
  properties: { 'if-match': { type: 'string', description: 'ETag from a previous response: the write happens only if the todo is still at that version (412 otherwise)' } },
};
const etagHeader = { ETag: { description: 'the todo version, for If-Match / If-None-Match', schema: { type: 'string' } } };

function toJson(req: Request, t: todos.Todo) {
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
    .route<{}, { completed?: boolean; limit?: number; after?: string }>({
      method: 'get', path: '/', summary: 'List todos (keyset pages, oldest first)',
      query: {
        type: 'object',
        properties: {
          completed: { type: 'boolean', description: 'only completed (true) or open (false) todos' },
          limit: { type: 'integer', minimum: 1, maximum: todos.MAX_PAGE, default: todos.DEFAULT_PAGE },
          after: { type: 'string', maxLength: 200, description: 'cursor from the Link rel="next" header' },
        },
      },
      responses: { 200: { description: 'a page of todos', schema: { type: 'array', items: todoJson },
        headers: { Link: { description: 'rel="next" URL when more todos follow', schema: { type: 'string' } } } } },
      handler: async ({ query }, req, res) => {
        const page = await todos.listTodos(db, query);
        if (page.next) res.set('Link', nextLink(req, page.next));
        res.json(page.items.map((t) => toJson(req, t)));
      },
    })
    .route<{}, {}, todos.NewTodo>({
      method: 'post', path: '/', summary: 'Create a todo',
      body: {
        type: 'object', required: ['title'], additionalProperties: false,
        properties: { title, completed: { type: 'boolean' }, order },
      },
      responses: { 201: { description: 'created', schema: todoJson, headers: { ...etagHeader, Location: { description: 'URL of the todo' } } } },
      handler: async ({ body }, req, res) => {
        const t = await todos.createTodo(db, body);
        res.status(201).set('ETag', etagOf(t.version)).location(`${baseUrl(req)}/${t.id}`).json(toJson(req, t));
      },
    })
    .route({
      method: 'delete', path: '/', summary: 'Delete every todo',
      responses: { 204: { description: 'all deleted' } },
      handler: async (_input, _req, res) => {
        await todos.deleteTodos(db);
        res.status(204).end();
      },
    })
    .route<{ id: number }>({
      method: 'get', path: '/:id', summary: 'Get a todo', params: idParams,
      headers: { type: 'object', properties: { 'if-none-match': { type: 'string' } } },
      responses: { 200: { description: 'the todo', schema: todoJson, headers: etagHeader }, 304: { description: 'not modified' }, 404: { description: 'no such todo' } },
      handler: async ({ params }, req, res) => {
        const t = await todos.getTodo(db, params.id);
        if (!notModified(req, res, t.version)) res.json(toJson(req, t));
      },
    })
    .route<{ id: number }, {}, todos.TodoPatch>({
      method: 'patch', path: '/:id', summary: 'Change some fields of a todo', params: idParams, headers: ifMatch,
      body: { type: 'object', additionalProperties: false, properties: { title, completed: { type: 'boolean' }, order } },
      responses: { 200: { description: 'the updated todo', schema: todoJson, headers: etagHeader }, 404: { description: 'no such todo' }, 412: { description: 'If-Match names an older version' } },
      handler: async ({ params, body }, req, res) => {
        const t = await todos.updateTodo(db, params.id, body, { version: ifMatchVersion(req) });
        res.set('ETag', etagOf(t.version)).json(toJson(req, t));
      },
    })
    .route<{ id: number }>({
      method: 'delete', path: '/:id', summary: 'Delete a todo', params: idParams, headers: ifMatch,
      responses: { 204: { description: 'deleted' }, 404: { description: 'no such todo' }, 412: { description: 'If-Match names an older version' } },
      handler: async ({ params }, req, res) => {
        await todos.deleteTodo(db, params.id, { version: ifMatchVersion(req) });
        res.status(204).end();
      },
    });
}
