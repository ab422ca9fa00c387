// The access log: one line per finished request, its level chosen by outcome.
import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { createLogger } from '../../src/lib/core/logger.js';
import { accessLog } from '../../src/http/core/access-log.js';

type Line = {
  level: number;
  msg: string;
  req: { method: string; url: string };
  res: { statusCode: number };
  responseTime: number;
};

async function serve(t: Test, level: string) {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Line);
      done();
    },
  });
  const app = express();
  app.use(accessLog(pino({ level }, sink)));
  app.get('/ok', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/boom', (_req, res) => {
    res.status(503).json({ no: true });
  });
  app.get('/slow', () => {
    /* never answers: the client gives up */
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    lines,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    port: (server.address() as AddressInfo).port,
  };
}

const settle = async (lines: Line[], n: number) => {
  for (let i = 0; i < 100 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 10));
};

t.test('one line per request, level by outcome', async (t) => {
  const { lines, base, port } = await serve(t, 'info');
  await (await fetch(`${base}/ok?x=1`)).text();
  await (await fetch(`${base}/boom`)).text();
  await new Promise<void>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/slow' });
    req.on('error', () => resolve());
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 50);
  });
  await settle(lines, 3);
  t.match(lines[0], {
    level: 30,
    msg: 'request completed',
    req: { method: 'GET', url: '/ok?x=1' },
    res: { statusCode: 200 },
  });
  t.type(lines[0]!.responseTime, 'number');
  t.match(lines[1], { level: 50, msg: 'request failed', res: { statusCode: 503 } });
  t.match(lines[2], { level: 40, msg: 'request aborted', req: { url: '/slow' } });
  t.notOk('headers' in lines[0]!.req, 'request headers (Authorization, cookies) are not logged');
});

t.test('nothing is logged, nor listened for, when even errors are off', async (t) => {
  const { lines, base } = await serve(t, 'silent');
  await (await fetch(`${base}/boom`)).text();
  await new Promise((r) => setTimeout(r, 30));
  t.same(lines, []);
});

t.test('createLogger takes LOG_LEVEL', async (t) => {
  const saved = process.env.LOG_LEVEL;
  t.teardown(() => {
    if (saved === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = saved;
  });
  process.env.LOG_LEVEL = 'warn';
  t.equal(createLogger().level, 'warn');
  delete process.env.LOG_LEVEL;
  t.equal(createLogger().level, 'silent', 'silent under tap');
});
