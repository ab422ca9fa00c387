/**
 * Shared by the /blog/api integration tests: a RealWorld client over the test server. Importing
 * it sets a cheap scrypt cost and a JWT_SECRET for the apps the test builds.
 */
import type { TestServer } from './http.js';

process.env.PASSWORD_SCRYPT_LOG2N = '10';
process.env.JWT_SECRET = 'test-secret-test-secret-test-secret!';

export const API = '/blog/api';
export const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export interface Client {
  call(method: string, path: string, json?: unknown, token?: string | null): Promise<{ status: number; body: any }>;
}

export function client(s: TestServer): Client {
  return {
    async call(method, path, json, token) {
      const res = await s.request(API + path, {
        method,
        ...(json !== undefined ? { json } : {}),
        headers: token ? { authorization: `Token ${token}` } : {},
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

export async function register(c: Client, name: string) {
  const r = await c.call('POST', '/users', {
    user: { username: name, email: `${name}@example.com`, password: 'password1' },
  });
  if (r.status !== 201) throw new Error(`register ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.user.token as string;
}
