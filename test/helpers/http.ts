/** Serves the real Express app on an ephemeral port for the duration of a test. */
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { createApp } from '../../src/http/core/app.js';
import type { Pool } from '../../src/lib/core/db.js';

export interface TestServer {
  /** e.g. http://127.0.0.1:40123 */
  base: string;
  /** fetch relative to `base`, with JSON helpers. */
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
}

export async function testServer(t: Test, sql: Pool): Promise<TestServer> {
  const app = createApp({ sql });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    request(path, init = {}) {
      const { json, headers, ...rest } = init;
      return fetch(base + path, {
        ...rest,
        headers: { ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...(headers as Record<string, string>) },
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    },
  };
}
