/** Shared by the saas tests: sign up users through the HTTP API and call it with their token. */
import type { TestServer } from './http.js';

export interface Session {
  token: string;
  userId: number;
  orgId: number;
  email: string;
}

let n = 0;
/** Signs up a new user with their own org; names carry `tag` so leak checks can grep for it. */
export async function signup(
  api: TestServer,
  tag: string,
  email = `${tag.toLowerCase()}-${process.pid}-${n++}@example.com`,
): Promise<Session> {
  const res = await api.request('/saas/signup', {
    method: 'POST',
    json: { email, password: 'correct horse', name: `${tag} user`, orgName: `${tag} org` },
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: string; user: { id: number }; org: { id: number } };
  return { token: body.token, userId: body.user.id, orgId: body.org.id, email };
}

/** A request as `who`. */
export function as(api: TestServer, who: { token: string }) {
  return (path: string, init: RequestInit & { json?: unknown } = {}) =>
    api.request(`/saas${path}`, {
      ...init,
      headers: { authorization: `Bearer ${who.token}`, ...(init.headers as Record<string, string>) },
    });
}

/** JSON body of a response (throws with the text when the status differs). */
export async function expectJson<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * `who` joins `orgId` with `role` the only way there is: `inviter` invites their e-mail, and they
 * accept the token. Returns the response of the invitation (invitation, token, acceptUrl).
 */
export async function join(
  api: TestServer,
  inviter: { token: string },
  orgId: number,
  who: { token: string; email: string },
  role: string,
): Promise<any> {
  const invited = await expectJson(
    await as(api, inviter)(`/orgs/${orgId}/members`, { method: 'POST', json: { email: who.email, role } }),
    202,
  );
  await expectJson(await as(api, who)('/invitations/accept', { method: 'POST', json: { token: invited.token } }), 201);
  return invited;
}
