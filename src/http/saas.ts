/**
 * /saas: multi-tenant orgs, teams, projects and tasks over pg-grind/saas. Every route but signup
 * and login needs `Authorization: Bearer <token>`; every route under /orgs/:orgId runs in one
 * transaction as the request role with that user and org set, so PostgreSQL's policies decide
 * what exists: another tenant's ids answer 404 exactly like ids that do not exist.
 */
import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import type { Request } from 'express';
import type { Db } from '../lib/core/db.js';
import { SECRET_TOKEN_PATTERN } from '../lib/core/secret-token.js';
import { assertSecret, MIN_SECRET_BYTES } from '../lib/core/token.js';
import * as saas from '../lib/saas/index.js';
import { Api } from './core/api.js';
import { baseUrl, sendPage } from './core/links.js';
import { HttpError, explainConstraint, registerProblem } from './core/problem.js';
import { DateTime, Id, Nullable, PageQuery, PathIds, StringEnum, nextLinkHeader } from './core/schemas.js';

explainConstraint('saas', 'users_email_key', { field: 'email', message: 'an account with this email already exists' });
explainConstraint('saas', 'users_email_check', { field: 'email', message: 'email must look like name@domain' });
explainConstraint('saas', 'memberships_pkey', { field: 'email', message: 'this user is already a member' });
explainConstraint('saas', 'invitations_org_id_email_key', { field: 'email', message: 'this email is already invited' });
explainConstraint('saas', 'invitations_expiry_check', {
  field: 'expiresInSeconds',
  message: 'an invitation lives at most 30 days',
});
explainConstraint('saas', 'memberships_one_owner', { field: 'role', message: 'the org must keep at least one owner' });
explainConstraint('saas', 'teams_org_id_name_key', { field: 'name', message: 'a team with this name already exists' });
explainConstraint('saas', 'team_members_pkey', { field: 'userId', message: 'this user is already in the team' });
explainConstraint('saas', 'team_members_member_fkey', { field: 'userId', message: 'no such member in this org' });
explainConstraint('saas', 'projects_team_fkey', { field: 'teamId', message: 'no such team in this org' });
explainConstraint('saas', 'tasks_assignee_fkey', { field: 'assigneeId', message: 'no such member in this org' });
// The library names the action of the refusals it expects (Forbidden); any other 42501 is one too.
registerProblem(saas.RowSecurityRefused, () => ({
  status: 403,
  title: 'Forbidden',
  detail: 'the row-level security policies refused this change',
}));

// A right token whose invitation expired: gone for good (a wrong or used one is a plain 404).
registerProblem(saas.InvitationExpired, () => ({
  status: 410,
  title: 'Gone',
  detail: 'this invitation has expired: ask for a new one',
}));

const id = Id;
const nullableId = Nullable(Id);
const name = Type.String({ minLength: 1, maxLength: 200 });
const email = Type.String({ format: 'email', maxLength: 320 });
const role = StringEnum(saas.ORG_ROLES, { description: 'viewer < member < admin < owner' });
const status = StringEnum(saas.TASK_STATUSES);
const time = DateTime();

/** Every saas object refuses unknown fields; `obj` requires each field, `patch` none. */
const obj = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });
const patch = <P extends TProperties>(properties: P) => Type.Partial(obj(properties));
const pathOf = PathIds;
/** A list's query: its filters (all optional), then limit and after; unknown parameters are refused. */
const page = <P extends TProperties = Record<never, never>>(extra: P = {} as P) =>
  PageQuery(saas.PAGE_SIZE, Type.Partial(Type.Object(extra)).properties, { additionalProperties: false });

const UserJson = obj({ id, email: Type.String(), name: Type.String() });
const OrgJson = obj({ id, name: Type.String(), role, createdAt: time });
const MemberJson = obj({ userId: id, email: Type.String(), name: Type.String(), role, createdAt: time });
const InvitationJson = obj({
  id,
  email: Type.String(),
  role,
  invitedBy: nullableId,
  createdAt: time,
  expiresAt: time,
});
const invitationToken = Type.String({
  pattern: SECRET_TOKEN_PATTERN,
  description: 'the invitation token (43 base64url characters), as the inviter received it',
});
const TeamJson = obj({ id, name: Type.String(), createdAt: time });
const TeamMemberJson = obj({ userId: id, email: Type.String(), name: Type.String(), createdAt: time });
const ProjectJson = obj({ id, teamId: id, name: Type.String(), createdAt: time });
const TaskJson = obj({
  id,
  projectId: id,
  teamId: id,
  title: Type.String(),
  status,
  assigneeId: nullableId,
  createdAt: time,
  updatedAt: time,
});
const taskTitle = Type.String({ minLength: 1, maxLength: 500 });

const org = (o: saas.Org): Static<typeof OrgJson> => ({
  id: Number(o.id),
  name: o.name,
  role: o.role,
  createdAt: o.created_at.toISOString(),
});
const member = (m: saas.Member): Static<typeof MemberJson> => ({
  userId: Number(m.user_id),
  email: m.email,
  name: m.name,
  role: m.role,
  createdAt: m.created_at.toISOString(),
});
const invitation = (i: saas.Invitation): Static<typeof InvitationJson> => ({
  id: Number(i.id),
  email: i.email,
  role: i.role,
  invitedBy: i.invited_by === null ? null : Number(i.invited_by),
  createdAt: i.created_at.toISOString(),
  expiresAt: i.expires_at.toISOString(),
});
const team = (t: saas.Team): Static<typeof TeamJson> => ({
  id: Number(t.id),
  name: t.name,
  createdAt: t.created_at.toISOString(),
});
const teamMember = (m: saas.TeamMember): Static<typeof TeamMemberJson> => ({
  userId: Number(m.user_id),
  email: m.email,
  name: m.name,
  createdAt: m.created_at.toISOString(),
});
const project = (p: saas.Project): Static<typeof ProjectJson> => ({
  id: Number(p.id),
  teamId: Number(p.team_id),
  name: p.name,
  createdAt: p.created_at.toISOString(),
});
const task = (t: saas.Task): Static<typeof TaskJson> => ({
  id: Number(t.id),
  projectId: Number(t.project_id),
  teamId: Number(t.team_id),
  title: t.title,
  status: t.status,
  assigneeId: t.assignee_id === null ? null : Number(t.assignee_id),
  createdAt: t.created_at.toISOString(),
  updatedAt: t.updated_at.toISOString(),
});

const listOf = <T extends TSchema>(schema: T, description: string) => ({
  description,
  schema: Type.Array(schema),
  headers: nextLinkHeader,
});
const noContent = { 204: { description: 'done' } };
const notFound = { 404: { description: 'no such org (or not a member), or no such row in it' } };
const forbidden = { 403: { description: "visible, but the caller's role may not do this" } };
const refused = { 422: { description: 'a body reference names nothing in this org, or a rule refused the change' } };

export interface SaasApiOptions {
  /**
   * HMAC key of the bearer tokens, at least 32 bytes. Default: SAAS_TOKEN_SECRET, else one
   * generated once and kept in saas.settings (shared by every process on the database).
   */
  tokenSecret?: string;
  /** Token lifetime. Default 24 h. */
  tokenTtlSeconds?: number;
}

export function saasApi(db: Db, opts: SaasApiOptions = {}): Api {
  const configured = opts.tokenSecret ?? process.env.SAAS_TOKEN_SECRET;
  // Fail at start-up, not at the first signup or request.
  if (configured !== undefined && Buffer.byteLength(configured) < MIN_SECRET_BYTES)
    throw new RangeError(`SAAS_TOKEN_SECRET must have at least ${MIN_SECRET_BYTES} bytes`);
  const ttlSeconds = opts.tokenTtlSeconds ?? 24 * 3600;
  // Read (or created) once per process, on first use; a failure is retried by the next request.
  let loading: Promise<saas.TokenOptions> | undefined;
  const tokensOf = () =>
    (loading ??= saas.getSigningSecret(db, configured).then(
      (secret) => {
        assertSecret(secret);
        return { secret, ttlSeconds };
      },
      (e) => {
        loading = undefined;
        throw e;
      },
    ));
  /** The user id of a valid bearer token; 401 otherwise. */
  const userOf = async (req: Request): Promise<string> => {
    const m = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(req.get('authorization') ?? '');
    const user = m && saas.authenticate(m[1]!, await tokensOf());
    if (!user)
      throw new HttpError(
        401,
        'Unauthorized',
        'a valid Authorization: Bearer token is required',
        {},
        { 'www-authenticate': 'Bearer' },
      );
    return user;
  };
  const inOrg = async <T>(req: Request, orgId: number, fn: (tx: saas.TenantTx, role: saas.OrgRole) => Promise<T>) =>
    saas.inOrg(db, await userOf(req), orgId, fn);
  const auth = { 401: { description: 'missing, invalid or expired token' } };

  return (
    new Api('/saas', 'saas', 'Project 7: multi-tenant orgs, teams, projects and tasks, isolated by row-level security')
      .route({
        method: 'post',
        path: '/signup',
        summary: 'Create an account and its first org (you are the owner)',
        body: obj({ email, password: Type.String({ minLength: 8, maxLength: 200 }), name, orgName: name }),
        responses: {
          201: { description: 'signed up', schema: obj({ token: Type.String(), user: UserJson, org: OrgJson }) },
          409: { description: 'email taken' },
        },
        handler: async ({ body }, _req, res) => {
          const s = await saas.signup(db, body, await tokensOf());
          res.status(201).json({ token: s.token, user: { ...s.user, id: Number(s.user.id) }, org: org(s.org) });
        },
      })
      .route({
        method: 'post',
        path: '/login',
        summary: 'Exchange email and password for a bearer token',
        body: obj({ email: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 200 }) }),
        responses: {
          200: { description: 'logged in', schema: obj({ token: Type.String() }) },
          401: { description: 'wrong email or password' },
        },
        handler: async ({ body }, _req, res) => {
          const r = await saas.login(db, body.email, body.password, await tokensOf());
          if (!r) throw new HttpError(401, 'Unauthorized', 'wrong email or password');
          res.json({ token: r.token });
        },
      })
      .route({
        method: 'get',
        path: '/orgs',
        summary: "The caller's orgs, with their role",
        query: page(),
        responses: {
          200: { description: 'orgs, by id, a page at a time', headers: nextLinkHeader, schema: Type.Array(OrgJson) },
          ...auth,
        },
        handler: async ({ query }, req, res) => {
          sendPage(
            req,
            res,
            await saas.asUser(db, { userId: await userOf(req) }, (tx) => saas.listOrgs(tx, query)),
            org,
          );
        },
      })
      .route({
        method: 'post',
        path: '/orgs',
        summary: 'Create another org (you are the owner)',
        body: obj({ name }),
        responses: { 201: { description: 'created', schema: OrgJson }, ...auth },
        handler: async ({ body }, req, res) => {
          res
            .status(201)
            .json(org(await saas.asUser(db, { userId: await userOf(req) }, (tx) => saas.createOrg(tx, body.name))));
        },
      })
      .route({
        method: 'get',
        path: '/orgs/:orgId',
        summary: 'One org',
        params: pathOf('orgId'),
        responses: { 200: { description: 'the org', schema: OrgJson }, ...auth, ...notFound },
        handler: async ({ params: p }, req, res) => {
          res.json(org(await inOrg(req, p.orgId, (tx) => saas.getOrg(tx, p.orgId))));
        },
      })
      .route({
        method: 'patch',
        path: '/orgs/:orgId',
        summary: 'Rename the org (owners)',
        params: pathOf('orgId'),
        body: obj({ name }),
        responses: { 200: { description: 'the org', schema: OrgJson }, ...auth, ...forbidden, ...notFound },
        handler: async ({ params: p, body }, req, res) => {
          res.json(org(await inOrg(req, p.orgId, (tx) => saas.updateOrg(tx, p.orgId, body.name))));
        },
      })
      .route({
        method: 'delete',
        path: '/orgs/:orgId',
        summary: 'Delete the org and everything in it (owners)',
        params: pathOf('orgId'),
        responses: { ...noContent, ...auth, ...forbidden, ...notFound },
        handler: async ({ params: p }, req, res) => {
          await inOrg(req, p.orgId, (tx) => saas.deleteOrg(tx, p.orgId));
          res.status(204).end();
        },
      })
      // Members and invitations
      .route({
        method: 'get',
        path: '/orgs/:orgId/members',
        summary: 'Members of the org',
        params: pathOf('orgId'),
        query: page(),
        responses: { 200: listOf(MemberJson, 'members'), ...auth, ...notFound },
        handler: async ({ params: p, query }, req, res) => {
          sendPage(req, res, await inOrg(req, p.orgId, (tx) => saas.listMembers(tx, p.orgId, query)), member);
        },
      })
      .route({
        method: 'post',
        path: '/orgs/:orgId/members',
        params: pathOf('orgId'),
        summary: 'Invite an email with a role (admins; owners offer owner); the token is the only way in',
        description:
          'Nobody joins by email: the response carries the invitation token, which the inviter hands to the ' +
          'invitee out of band and the invitee, signed in, posts to acceptUrl. Only its sha256 is stored. ' +
          'An expired invitation for the same email gives way to the new one.',
        body: Type.Object(
          {
            email,
            role,
            expiresInSeconds: Type.Optional(
              Type.Integer({
                minimum: saas.INVITATION_TTL.min,
                maximum: saas.INVITATION_TTL.max,
                default: saas.INVITATION_TTL.default,
                description: 'lifetime of the token; 7 days by default, at most 30',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        responses: {
          202: {
            description: 'invited: deliver the token to the invitee',
            schema: obj({
              invitation: InvitationJson,
              token: invitationToken,
              acceptUrl: Type.String({ format: 'uri', description: 'where the invitee POSTs {"token": ...}' }),
            }),
          },
          409: { description: 'already a member, or invited and not expired' },
          ...auth,
          ...forbidden,
          ...notFound,
        },
        handler: async ({ params: p, body }, req, res) => {
          const r = await inOrg(req, p.orgId, (tx) =>
            saas.inviteMember(tx, p.orgId, body.email, body.role, body.expiresInSeconds),
          );
          res.status(202).json({
            invitation: invitation(r.invitation),
            token: r.token,
            acceptUrl: `${baseUrl(req)}/invitations/accept`,
          });
        },
      })
      .route({
        method: 'post',
        path: '/invitations/accept',
        summary: 'Accept an invitation with its token: the caller joins its org with its role',
        description:
          'Single use. A wrong or used token answers 404 and an expired one 410; neither says which org it was for.',
        body: obj({ token: invitationToken }),
        responses: {
          201: { description: 'joined: the org, with the role the invitation offered', schema: OrgJson },
          404: { description: 'no such invitation (wrong token, or already used)' },
          409: { description: 'already a member of that org (the invitation stays unused)' },
          410: { description: 'the invitation expired' },
          ...auth,
        },
        handler: async ({ body }, req, res) => {
          res.status(201).json(org(await saas.acceptInvitation(db, await userOf(req), body.token)));
        },
      })
      .route({
        method: 'patch',
        path: '/orgs/:orgId/members/:userId',
        summary: "Change a member's role",
        params: pathOf('orgId', 'userId'),
        body: obj({ role }),
        responses: {
          200: { description: 'the member', schema: MemberJson },
          ...auth,
          ...forbidden,
          ...notFound,
          ...refused,
        },
        handler: async ({ params: p, body }, req, res) => {
          res.json(member(await inOrg(req, p.orgId, (tx) => saas.updateMember(tx, p.orgId, p.userId, body.role))));
        },
      })
      .route({
        method: 'delete',
        path: '/orgs/:orgId/members/:userId',
        summary: 'Remove a member (or leave)',
        params: pathOf('orgId', 'userId'),
        responses: { ...noContent, ...auth, ...forbidden, ...notFound, ...refused },
        handler: async ({ params: p }, req, res) => {
          await inOrg(req, p.orgId, (tx) => saas.removeMember(tx, p.orgId, p.userId));
          res.status(204).end();
        },
      })
      .route({
        method: 'get',
        path: '/orgs/:orgId/invitations',
        summary: 'Pending invitations (admins)',
        params: pathOf('orgId'),
        query: page(),
        responses: { 200: listOf(InvitationJson, 'invitations'), ...auth, ...forbidden, ...notFound },
        handler: async ({ params: p, query }, req, res) => {
          sendPage(
            req,
            res,
            await inOrg(req, p.orgId, (tx, r) => saas.listInvitations(tx, p.orgId, r, query)),
            invitation,
          );
        },
      })
      .route({
        method: 'delete',
        path: '/orgs/:orgId/invitations/:invitationId',
        summary: 'Withdraw an invitation (admins)',
        params: pathOf('orgId', 'invitationId'),
        responses: { ...noContent, ...auth, ...notFound },
        handler: async ({ params: p }, req, res) => {
          await inOrg(req, p.orgId, (tx) => saas.deleteInvitation(tx, p.orgId, p.invitationId));
          res.status(204).end();
        },
      })
      // Teams
      .route({
        method: 'get',
        path: '/orgs/:orgId/teams',
        summary: 'Teams of the org',
        params: pathOf('orgId'),
        query: page(),
        responses: { 200: listOf(TeamJson, 'teams'), ...auth, ...notFound },
        handler: async ({ params: p, query }, req, res) => {
          sendPage(req, res, await inOrg(req, p.orgId, (tx) => saas.listTeams(tx, p.orgId, query)), team);
        },
      })
      .route({
        method: 'post',
        path: '/orgs/:orgId/teams',
        summary: 'Create a team (admins)',
        params: pathOf('orgId'),
        body: obj({ name }),
        responses: {
          201: { description: 'created', schema: TeamJson },
          409: { description: 'name taken' },
          ...auth,
          ...forbidden,
          ...notFound,
        },
        handler: async ({ params: p, body }, req, res) => {
          res.status(201).json(team(await inOrg(req, p.orgId, (tx) => saas.createTeam(tx, p.orgId, body.name))));
        },
      })
      .route({
        method: 'get',
        path: '/orgs/:orgId/teams/:teamId',
        summary: 'One team',
        params: pathOf('orgId', 'teamId'),
        responses: { 200: { description: 'the team', schema: TeamJson }, ...auth, ...notFound },
        handler: async ({ params: p }, req, res) => {
          res.json(team(await inOrg(req, p.orgId, (tx) => saas.getTeam(tx, p.orgId, p.teamId))));
        },
      })
      .route({
        method: 'patch',
        path: '/orgs/:orgId/teams/:teamId',
        summary: 'Rename a team (admins)',
        params: pathOf('orgId', 'teamId'),
        body: obj({ name }),
        responses: {
          200: { description: 'the team', schema: TeamJson },
          409: { description: 'name taken' },
          ...auth,
          ...forbidden,
          ...notFound,
        },
        handler: async ({ params: p, body }, req, res) => {
          res.json(team(await inOrg(req, p.orgId, (tx) => saas.updateTeam(tx, p.orgId, p.teamId, body.name))));
        },
      })
      .route({
        method: 'delete',
        path: '/orgs/:orgId/teams/:teamId',
        summary: 'Delete a team with its projects and tasks (admins)',
        params: pathOf('orgId', 'teamId'),
        responses: { ...noContent, ...auth, ...forbidden, ...notFound },
        handler: async ({ params: p }, req, res) => {
          await inOrg(req, p.orgId, (tx) => saas.deleteTeam(tx, p.orgId, p.teamId));
          res.status(204).end();
        },
      })
      .route({
        method: 'get',
        path: '/orgs/:orgId/teams/:teamId/members',
        summary: 'Members of a team',
        params: pathOf('orgId', 'teamId'),
        query: page(),
        responses: { 200: listOf(TeamMemberJson, 'team members'), ...auth, ...notFound },
        handler: async ({ params: p, query }, req, res) => {
          sendPage(
            req,
            res,
            await inOrg(req, p.orgId, (tx) => saas.listTeamMembers(tx, p.orgId, p.teamId, query)),
            teamMember,
          );
        },
      })
      .route({
        method: 'post',
        path: '/orgs/:orgId/teams/:teamId/members',
        summary: 'Put an org member in the team (admins)',
        params: pathOf('orgId', 'teamId'),
        body: obj({ userId: id }),
        responses: {
          201: { description: 'added', schema: obj({ userId: id, createdAt: time }) },
          409: { description: 'already in the team' },
          ...auth,
          ...forbidden,
          ...notFound,
          ...refused,
        },
        handler: async ({ params: p, body }, req, res) => {
          const r = await inOrg(req, p.orgId, (tx) => saas.addTeamMember(tx, p.orgId, p.teamId, body.userId));
          res.status(201).json({ userId: Number(r.user_id), createdAt: r.created_at.toISOString() });
        },
      })
      .route({
        method: 'delete',
        path: '/orgs/:orgId/teams/:teamId/members/:userId',
        summary: 'Take a user out of the team (admins)',
        params: pathOf('orgId', 'teamId', 'userId'),
        responses: { ...noContent, ...auth, ...forbidden, ...notFound },
        handler: async ({ params: p }, req, res) => {
          await inOrg(req, p.orgId, (tx) => saas.removeTeamMember(tx, p.orgId, p.teamId, p.userId));
          res.status(204).end();
        },
      })
      // Projects
      .route({
        method: 'get',
        path: '/orgs/:orgId/projects',
        summary: 'Projects of the org',
        params: pathOf('orgId'),
        query: page({ teamId: id }),
        responses: { 200: listOf(ProjectJson, 'projects'), ...auth, ...notFound },
        handler: async ({ params: p, query }, req, res) => {
          sendPage(req, res, await inOrg(req, p.orgId, (tx) => saas.listProjects(tx, p.orgId, query)), project);
        },
      })
      .route({
        method: 'post',
        path: '/orgs/:orgId/projects',
        summary: 'Create a project in a team (admins, members of that team)',
        params: pathOf('orgId'),
        body: obj({ name, teamId: id }),
        responses: {
          201: { description: 'created', schema: ProjectJson },
          ...auth,
          ...forbidden,
          ...notFound,
          ...refused,
        },
        handler: async ({ params: p, body }, req, res) => {
          res.status(201).json(project(await inOrg(req, p.orgId, (tx) => saas.createProject(tx, p.orgId, body))));
        },
      })
      .route({
        method: 'get',
        path: '/orgs/:orgId/projects/:projectId',
        summary: 'One project',
        params: pathOf('orgId', 'projectId'),
        responses: { 200: { description: 'the project', schema: ProjectJson }, ...auth, ...notFound },
        handler: async ({ params: p }, req, res) => {
          res.json(project(await inOrg(req, p.orgId, (tx) => saas.getProject(tx, p.orgId, p.projectId))));
        },
      })
      .route({
        method: 'patch',
        path: '/orgs/:orgId/projects/:projectId',
        summary: 'Rename or move a project (its tasks follow)',
        params: pathOf('orgId', 'projectId'),
        body: patch({ name, teamId: id }),
        responses: {
          200: { description: 'the project', schema: ProjectJson },
          ...auth,
          ...forbidden,
          ...notFound,
          ...refused,
        },
        handler: async ({ params: p, body }, req, res) => {
          res.json(project(await inOrg(req, p.orgId, (tx) => saas.updateProject(tx, p.orgId, p.projectId, body))));
        },
      })
      .route({
        method: 'delete',
        path: '/orgs/:orgId/projects/:projectId',
        summary: 'Delete a project and its tasks',
        params: pathOf('orgId', 'projectId'),
        responses: { ...noContent, ...auth, ...forbidden, ...notFound },
        handler: async ({ params: p }, req, res) => {
          await inOrg(req, p.orgId, (tx) => saas.deleteProject(tx, p.orgId, p.projectId));
          res.status(204).end();
        },
      })
      // Tasks
      .route({
        method: 'get',
        path: '/orgs/:orgId/projects/:projectId/tasks',
        summary: 'Tasks of a project',
        params: pathOf('orgId', 'projectId'),
        query: page(),
        responses: { 200: listOf(TaskJson, 'tasks'), ...auth, ...notFound },
        handler: async ({ params: p, query }, req, res) => {
          sendPage(
            req,
            res,
            await inOrg(req, p.orgId, (tx) => saas.listProjectTasks(tx, p.orgId, p.projectId, query)),
            task,
          );
        },
      })
      .route({
        method: 'post',
        path: '/orgs/:orgId/projects/:projectId/tasks',
        summary: "Create a task (admins, members of the project's team)",
        params: pathOf('orgId', 'projectId'),
        body: obj({ title: taskTitle, status: Type.Optional(status), assigneeId: Type.Optional(nullableId) }),
        responses: {
          201: { description: 'created', schema: TaskJson },
          ...auth,
          ...forbidden,
          ...notFound,
          ...refused,
        },
        handler: async ({ params: p, body }, req, res) => {
          res
            .status(201)
            .json(task(await inOrg(req, p.orgId, (tx) => saas.createTask(tx, p.orgId, p.projectId, body))));
        },
      })
      .route({
        method: 'get',
        path: '/orgs/:orgId/tasks',
        summary: 'Tasks of the org, filtered, keyset pages by id',
        params: pathOf('orgId'),
        query: page({ status, assigneeId: id }),
        responses: { 200: listOf(TaskJson, 'tasks'), ...auth, ...notFound },
        handler: async ({ params: p, query }, req, res) => {
          sendPage(req, res, await inOrg(req, p.orgId, (tx) => saas.listTasks(tx, p.orgId, query)), task);
        },
      })
      .route({
        method: 'get',
        path: '/orgs/:orgId/my/tasks',
        summary: "The caller's open tasks in the org",
        params: pathOf('orgId'),
        query: page(),
        responses: { 200: listOf(TaskJson, 'tasks'), ...auth, ...notFound },
        handler: async ({ params: p, query }, req, res) => {
          sendPage(req, res, await inOrg(req, p.orgId, (tx) => saas.listMyTasks(tx, p.orgId, query)), task);
        },
      })
      .route({
        method: 'get',
        path: '/orgs/:orgId/tasks/:taskId',
        summary: 'One task',
        params: pathOf('orgId', 'taskId'),
        responses: { 200: { description: 'the task', schema: TaskJson }, ...auth, ...notFound },
        handler: async ({ params: p }, req, res) => {
          res.json(task(await inOrg(req, p.orgId, (tx) => saas.getTask(tx, p.orgId, p.taskId))));
        },
      })
      .route({
        method: 'patch',
        path: '/orgs/:orgId/tasks/:taskId',
        summary: 'Change a task (assigneeId: null unassigns)',
        params: pathOf('orgId', 'taskId'),
        body: patch({ title: taskTitle, status, assigneeId: nullableId }),
        responses: {
          200: { description: 'the task', schema: TaskJson },
          ...auth,
          ...forbidden,
          ...notFound,
          ...refused,
        },
        handler: async ({ params: p, body }, req, res) => {
          res.json(task(await inOrg(req, p.orgId, (tx) => saas.updateTask(tx, p.orgId, p.taskId, body))));
        },
      })
      .route({
        method: 'delete',
        path: '/orgs/:orgId/tasks/:taskId',
        summary: 'Delete a task',
        params: pathOf('orgId', 'taskId'),
        responses: { ...noContent, ...auth, ...forbidden, ...notFound },
        handler: async ({ params: p }, req, res) => {
          await inOrg(req, p.orgId, (tx) => saas.deleteTask(tx, p.orgId, p.taskId));
          res.status(204).end();
        },
      })
  );
}
