/** Shared by the expense tests: a cheap scrypt cost, and sign-up plus a plan over HTTP. */
import type { TestServer } from './http.js';

// Cheap hashes: the tests sign up many users; the cost itself is password.ts' business.
process.env.PASSWORD_SCRYPT_LOG2N = '10';

export const API = '/expense/v1';

/** A JSON call under /expense/v1 through the checked test client. */
export async function call(server: TestServer, method: string, path: string, body?: unknown, token?: string) {
  const res = await server.request(`${API}${path}`, {
    method,
    ...(body === undefined ? {} : { json: body }),
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Signs a user up and creates a plan; returns the token and the plan id. */
export async function userWithPlan(
  server: TestServer,
  email: string,
  plan: { name?: string; currency_iso_code?: string; time_zone?: string } = {},
) {
  const u = await call(server, 'POST', '/users', { user: { email, password: 'correct horse' } });
  if (u.status !== 201) throw new Error(`sign-up: ${u.status} ${JSON.stringify(u.body)}`);
  const token = u.body.data.access_token as string;
  const p = await call(
    server,
    'POST',
    '/plans',
    {
      plan: {
        name: plan.name ?? 'Home',
        currency_iso_code: plan.currency_iso_code ?? 'USD',
        time_zone: plan.time_zone ?? 'UTC',
      },
    },
    token,
  );
  if (p.status !== 201) throw new Error(`plan: ${p.status} ${JSON.stringify(p.body)}`);
  return { token, planId: p.body.data.plan.id as string, userId: u.body.data.user.id as string };
}
