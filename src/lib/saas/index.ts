/**
 * pg-grind/saas: multi-tenant orgs -> teams -> projects -> tasks where isolation is PostgreSQL's
 * job. Every tenant table is behind forced row-level security; `asUser` / `inOrg` open a
 * transaction, switch to the request role `saas_app` and set `saas.user_id` / `saas.org_id`
 * (transaction-local), and every other function must run inside that transaction (`tx`).
 * The statements still say `org_id = $1`: that picks the index; the policies guarantee that
 * forgetting it could never show another tenant's rows. The SQL is in sql/saas/.
 */
/// <reference path="../generated/zapatos/schema.d.ts" preserve="true" />
import type * as s from 'zapatos/schema';
import type postgres from 'postgres';
import { randomBytes } from 'node:crypto';
import { loadSql, many, maybeOne, transaction, type Db, type RowOf } from '../core/db.js';
import { Forbidden, ForeignKeyViolation, found, NotFound, UniqueViolation } from '../core/errors.js';
import { keysetPage, type Page, type PageOptions, type PageSize } from '../core/page.js';
import { hashPassword, verifyNothing, verifyPassword } from '../core/password.js';
import { hashSecretToken, newSecretToken } from '../core/secret-token.js';
import { assertSecret, InvalidToken, signToken, verifyToken } from '../core/token.js';
import { InvitationExpired, RowSecurityRefused } from './errors.js';

export * from './errors.js';

const q = loadSql('saas', [
  'set_context',
  'current_org_role',
  'signup',
  'find_credentials',
  'list_orgs',
  'create_org',
  'find_org',
  'update_org',
  'delete_org',
  'get_or_create_setting',
  'list_members',
  'invite_member',
  'accept_invitation',
  'update_member',
  'remove_member',
  'list_invitations',
  'delete_invitation',
  'list_teams',
  'find_team',
  'create_team',
  'update_team',
  'delete_team',
  'list_team_members',
  'add_team_member',
  'remove_team_member',
  'list_projects',
  'find_project',
  'create_project',
  'update_project',
  'delete_project',
  'list_tasks',
  'list_tasks_by_status',
  'list_tasks_by_assignee',
  'list_project_tasks',
  'list_my_tasks',
  'find_task',
  'create_task',
  'update_task',
  'delete_task',
]);

export type Id = string | number;
/** viewer < member < admin < owner. */
export type OrgRole = s.saas.org_role;
export const ORG_ROLES: readonly OrgRole[] = ['viewer', 'member', 'admin', 'owner'];
export type TaskStatus = 'todo' | 'doing' | 'done';
export const TASK_STATUSES: readonly TaskStatus[] = ['todo', 'doing', 'done'];

/** The session's user, from signup's columns (see signup.sql). */
export type User = { id: string; email: string; name: string };
export type Org = RowOf<typeof q.list_orgs>;
export type Member = RowOf<typeof q.list_members>;
export type Invitation = RowOf<typeof q.list_invitations>;
export type Team = RowOf<typeof q.list_teams>;
export type TeamMember = RowOf<typeof q.list_team_members>;
export type Project = RowOf<typeof q.list_projects>;
/** tasks.status is text kept to TASK_STATUSES by a CHECK (tasks_status_check), so the generated type says string. */
export type Task = Omit<RowOf<typeof q.list_tasks>, 'status'> & { status: TaskStatus };

/** The one narrowing the database cannot type for us: a task's status (see Task). */
const asTasks = (rows: RowOf<typeof q.list_tasks>[]) => rows as Task[];

/** A body reference to a row this org does not have (or another org's): 23503, like the key. */
function missingReference(entity: string, constraint: string, table: string, column: string): ForeignKeyViolation {
  return new ForeignKeyViolation(`no such ${entity}`, { code: '23503', constraint, table, column, schema: 'saas' });
}

/**
 * A row-level-security refusal (42501, `RowSecurityRefused`) says that the policies refused, not what the
 * caller tried: the library names the action, as `Forbidden`, like every other refusal.
 */
function refusing(action: string) {
  return (err: unknown): never => {
    throw err instanceof RowSecurityRefused ? new Forbidden(action) : err;
  };
}

// ---------------------------------------------------------------------------------------------
// Context

declare const tenant: unique symbol;

/**
 * A transaction of `asUser` / `inOrg`: running as saas_app with the request's saas.user_id and
 * saas.org_id. Only those two make one, and every function that needs a tenant context takes this
 * type, so handing such a function the pool, or a transaction of your own, is a compile error
 * (test/saas/types.ts) rather than a query that row-level security answers with nothing.
 */
export type TenantTx = postgres.TransactionSql & { readonly [tenant]: true };

export interface Context {
  userId: Id;
  /** The org every statement of the transaction is scoped to; none for signup/login/org lists. */
  orgId?: Id | null;
}

/**
 * Runs `fn` in a transaction as `saas_app` with `saas.user_id` / `saas.org_id` set (both end with
 * the transaction). Given a transaction, a savepoint is used and the role stays for the rest of it.
 */
export function asUser<T>(db: Db, ctx: Context, fn: (tx: TenantTx) => Promise<T>): Promise<T> {
  return transaction(db, async (tx) => {
    await many(tx, q.set_context, [String(ctx.userId), ctx.orgId == null ? '' : String(ctx.orgId)]);
    return fn(tx as TenantTx);
  });
}

/**
 * `asUser` for an org: throws NotFound('org') when the user is not a member of it (which is
 * also what another tenant's org looks like), else runs `fn` with the caller's role.
 */
export function inOrg<T>(db: Db, userId: Id, orgId: Id, fn: (tx: TenantTx, role: OrgRole) => Promise<T>): Promise<T> {
  return asUser(db, { userId, orgId }, async (tx) => {
    const row = await maybeOne(tx, q.current_org_role);
    // No row, or a null role: not a member, which is also what another tenant's org looks like.
    const { role } = found(row?.role ? row : undefined, 'org');
    return fn(tx, role!);
  });
}

/** Runs `fn` in a transaction as `saas_app` with no settings at all (signup, login). */
function anonymous<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return transaction(db, async (tx) => {
    await many(tx, q.set_context, ['', '']);
    return fn(tx);
  });
}

// ---------------------------------------------------------------------------------------------
// Accounts

export interface SignupInput {
  email: string;
  password: string;
  name: string;
  orgName: string;
}
export interface Session {
  token: string;
  user: User;
  org: Org;
}
/**
 * The key that signs tokens: `configured` when given, otherwise one generated on first use and
 * kept in saas.settings, so that tokens survive restarts and every process behind a load balancer
 * accepts every other's. Runs over `db` directly, never as saas_app (which may not read it).
 */
export async function getSigningSecret(db: Db, configured?: string): Promise<string> {
  if (configured) return configured;
  const [row] = await many(db, q.get_or_create_setting, ['token_secret', randomBytes(48).toString('base64url')]);
  return row!.value;
}

/** Bearer tokens: HS256 JWTs (src/lib/token.ts). `secret` has at least 32 bytes; `ttlSeconds` defaults to 1 h. */
export interface TokenOptions {
  secret: string | Buffer;
  ttlSeconds?: number;
}

/**
 * The `aud` of saas tokens: a token signed with the same secret for another project (blog's
 * `pg-grind/blog`, say) is refused here, and ours there.
 */
export const TOKEN_AUDIENCE = 'pg-grind/saas';

function issueToken(userId: string, tokens: TokenOptions): string {
  return signToken(userId, tokens.secret, { ttlSeconds: tokens.ttlSeconds ?? 3600, audience: TOKEN_AUDIENCE });
}

/** Creates a user and their org (as owner); invitations for that email are not accepted by it
 * (only their token does that: `acceptInvitation`). Throws UniqueViolation (users_email_key) when the email is taken, CheckViolation on bad fields,
 * RangeError (before writing anything) when the token secret is too short. */
export async function signup(db: Db, input: SignupInput, tokens: TokenOptions): Promise<Session> {
  assertSecret(tokens.secret);
  const hash = await hashPassword(input.password);
  const row = await anonymous(
    db,
    async (tx) => (await many(tx, q.signup, [input.email, input.name, hash, input.orgName]))[0]!,
  );
  return {
    token: issueToken(String(row.user_id), tokens),
    user: { id: row.user_id, email: row.email, name: row.name },
    org: { id: row.org_id, name: row.org_name, role: 'owner', created_at: new Date() },
  };
}

/** A token for a correct email and password, or undefined (same time either way: an unknown
 * email still costs one scrypt verification). */
export async function login(
  db: Db,
  email: string,
  password: string,
  tokens: TokenOptions,
): Promise<{ token: string; userId: string } | undefined> {
  const cred = await anonymous(db, (tx) => maybeOne(tx, q.find_credentials, [email]));
  if (!cred) return verifyNothing(password).then(() => undefined);
  if (!(await verifyPassword(password, cred.password_hash))) return undefined;
  return { token: issueToken(cred.id, tokens), userId: cred.id };
}

/** The user id a valid, unexpired saas token names, or undefined. Throws RangeError for a short secret. */
export function authenticate(token: string, tokens: TokenOptions): string | undefined {
  let sub: string;
  try {
    sub = verifyToken(token, tokens.secret, { audience: TOKEN_AUDIENCE }).sub;
  } catch (err) {
    if (err instanceof InvalidToken) return undefined;
    throw err;
  }
  // User ids are bigints; any other subject names nobody (and would reach set_context as a cast error).
  return /^[1-9][0-9]{0,18}$/.test(sub) ? sub : undefined;
}

// ---------------------------------------------------------------------------------------------
// Orgs (listOrgs and createOrg need asUser without an org; the rest inOrg)

/** Every org of the context's user, with their role. */
export function listOrgs(tx: TenantTx, opts: PageOptions = {}): Promise<Page<Org>> {
  return pageOf(
    opts,
    (o) => o.id,
    (after, take) => many(tx, q.list_orgs, [after, take]),
  );
}

/** Creates an org owned by the context's user. */
export async function createOrg(tx: TenantTx, name: string): Promise<Org> {
  return (await many(tx, q.create_org, [name]))[0]!;
}

/** The org; throws NotFound. */
export async function getOrg(tx: TenantTx, orgId: Id): Promise<Org> {
  return found(await maybeOne(tx, q.find_org, [orgId]), 'org');
}

/** Renames the org (owners). Throws Forbidden. */
export async function updateOrg(tx: TenantTx, orgId: Id, name: string): Promise<Org> {
  const org = await maybeOne(tx, q.update_org, [orgId, name]);
  if (!org) throw new Forbidden('rename this org');
  return org;
}

/** Deletes the org and everything in it (owners). Throws Forbidden. */
export async function deleteOrg(tx: TenantTx, orgId: Id): Promise<void> {
  const row = await maybeOne(tx, q.delete_org, [orgId]);
  if (!row) throw new Forbidden('delete this org');
}

// ---------------------------------------------------------------------------------------------
// Pagination

export type { Page, PageOptions } from '../core/page.js';
/** Pages of every saas list: 50 by default, at most 500. */
export const PAGE_SIZE: PageSize = { default: 50, max: 500 };

/** Keyset arguments of a saas list: its statements take `id > $n`, so the first page starts after 0. */
/** One keyset page of a saas list (ids start above 0): `fetch(after, take)` runs its statement. */
const pageOf = <T>(opts: PageOptions, key: (row: T) => string, fetch: (after: string, take: number) => Promise<T[]>) =>
  keysetPage(opts, PAGE_SIZE, '0', key, fetch);

// ---------------------------------------------------------------------------------------------
// Members and invitations

/** Members of the org, by user id. */
export async function listMembers(tx: TenantTx, orgId: Id, opts: PageOptions = {}): Promise<Page<Member>> {
  return pageOf(
    opts,
    (m) => m.user_id,
    (after, take) => many(tx, q.list_members, [orgId, after, take]),
  );
}

/** Invitation lifetimes in seconds: 7 days unless the inviter says otherwise, from 1 minute to 30 days. */
export const INVITATION_TTL = { default: 7 * 24 * 3600, min: 60, max: 30 * 24 * 3600 } as const;

/** A new invitation and its token, which exists only here: the database keeps its sha256. */
export interface NewInvitation {
  invitation: Invitation;
  /** Hand it to the invitee out of band; whoever presents it (signed in) joins, once. */
  token: string;
}

/**
 * Invites `email` into the org with `role` (admins; only owners offer 'owner'); an expired
 * invitation for the same email gives way. Nobody joins by email: the returned token is the only
 * way in (`acceptInvitation`). Throws Forbidden, RangeError (ttl outside INVITATION_TTL),
 * UniqueViolation (invitations_org_id_email_key: invited already; memberships_pkey: already a member).
 */
export async function inviteMember(
  tx: TenantTx,
  orgId: Id,
  email: string,
  role: OrgRole,
  ttlSeconds: number = INVITATION_TTL.default,
): Promise<NewInvitation> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < INVITATION_TTL.min || ttlSeconds > INVITATION_TTL.max)
    throw new RangeError(`invitation lifetime must be ${INVITATION_TTL.min} to ${INVITATION_TTL.max} seconds`);
  const { token, hash } = newSecretToken();
  const row = await maybeOne(tx, q.invite_member, [orgId, email, role, hash, ttlSeconds]).catch(
    refusing('invite members with this role'),
  );
  if (!row)
    throw new UniqueViolation('already a member', {
      code: '23505',
      constraint: 'memberships_pkey',
      table: 'memberships',
      schema: 'saas',
      statement: q.invite_member.name,
    });
  return { invitation: row, token };
}

/** What accepting an invitation made: the org joined, with the role it offered. */
export type AcceptedInvitation = Org;

/**
 * The signed-in `userId` accepts the invitation `token` stands for and becomes a member with its
 * role; the token is used up (also when two acceptances race: one wins). Throws
 * NotFound('invitation') for a wrong or used token, InvitationExpired for a late one (neither
 * names the org), UniqueViolation (memberships_pkey) when already a member, the token then unused.
 */
export async function acceptInvitation(db: Db, userId: Id, token: string): Promise<AcceptedInvitation> {
  const hash = hashSecretToken(token);
  if (!hash) throw new NotFound('invitation');
  const row = await asUser(db, { userId }, (tx) => maybeOne(tx, q.accept_invitation, [hash]));
  if (row?.expired) throw new InvitationExpired();
  // Not expired: the membership was made, so the join gave every column.
  const org = found(row ?? undefined, 'invitation');
  return { id: org.org_id!, name: org.org_name!, role: org.role!, created_at: org.org_created_at! };
}

/** Changes a member's role. Throws NotFound, Forbidden, CheckViolation (memberships_one_owner). */
export async function updateMember(tx: TenantTx, orgId: Id, userId: Id, role: OrgRole): Promise<Member> {
  const row = found(
    await maybeOne(tx, q.update_member, [orgId, userId, role]).catch(refusing('grant this role')),
    'member',
    'change this member',
  );
  // allowed: the outer join found the updated row, so its columns are there.
  return { user_id: row.user_id, email: row.email, name: row.name, role: row.role!, created_at: row.created_at! };
}

/** Removes a member (or yourself). Throws NotFound, Forbidden, CheckViolation (memberships_one_owner). */
export async function removeMember(tx: TenantTx, orgId: Id, userId: Id): Promise<void> {
  found(await maybeOne(tx, q.remove_member, [orgId, userId]), 'member', 'remove this member');
}

/** Pending invitations (admins; others get Forbidden). */
export async function listInvitations(
  tx: TenantTx,
  orgId: Id,
  role: OrgRole,
  opts: PageOptions = {},
): Promise<Page<Invitation>> {
  if (role !== 'admin' && role !== 'owner') throw new Forbidden('see invitations');
  return pageOf(
    opts,
    (i) => i.id,
    (after, take) => many(tx, q.list_invitations, [orgId, after, take]),
  );
}

/** Withdraws an invitation. Throws NotFound (also for non-admins, who cannot see invitations). */
export async function deleteInvitation(tx: TenantTx, orgId: Id, invitationId: Id): Promise<void> {
  found(await maybeOne(tx, q.delete_invitation, [orgId, invitationId]), 'invitation');
}

// ---------------------------------------------------------------------------------------------
// Teams

export async function listTeams(tx: TenantTx, orgId: Id, opts: PageOptions = {}): Promise<Page<Team>> {
  return pageOf(
    opts,
    (t) => t.id,
    (after, take) => many(tx, q.list_teams, [orgId, after, take]),
  );
}

/** The team; throws NotFound. */
export async function getTeam(tx: TenantTx, orgId: Id, teamId: Id): Promise<Team> {
  return found(await maybeOne(tx, q.find_team, [orgId, teamId]), 'team');
}

/** Creates a team (admins). Throws Forbidden, UniqueViolation (teams_org_id_name_key). */
export async function createTeam(tx: TenantTx, orgId: Id, name: string): Promise<Team> {
  return (await many(tx, q.create_team, [orgId, name]).catch(refusing('create teams')))[0]!;
}

/** Renames a team (admins). Throws NotFound, Forbidden, UniqueViolation. */
export async function updateTeam(tx: TenantTx, orgId: Id, teamId: Id, name: string): Promise<Team> {
  const row = found(await maybeOne(tx, q.update_team, [orgId, teamId, name]), 'team', 'rename teams');
  // allowed: the outer join found the updated row, so its columns are there.
  return { id: row.id, name: row.name!, created_at: row.created_at! };
}

/** Deletes a team with its projects and tasks (admins). Throws NotFound, Forbidden. */
export async function deleteTeam(tx: TenantTx, orgId: Id, teamId: Id): Promise<void> {
  found(await maybeOne(tx, q.delete_team, [orgId, teamId]), 'team', 'delete teams');
}

/** Members of a team. Throws NotFound for the team. */
export async function listTeamMembers(
  tx: TenantTx,
  orgId: Id,
  teamId: Id,
  opts: PageOptions = {},
): Promise<Page<TeamMember>> {
  await getTeam(tx, orgId, teamId);
  return pageOf(
    opts,
    (m) => m.user_id,
    (after, take) => many(tx, q.list_team_members, [orgId, teamId, after, take]),
  );
}

/** Puts an org member in a team (admins). Throws NotFound (team), Forbidden,
 * ForeignKeyViolation (team_members_member_fkey: not a member of this org), UniqueViolation. */
export async function addTeamMember(
  tx: TenantTx,
  orgId: Id,
  teamId: Id,
  userId: Id,
): Promise<{ user_id: string; created_at: Date }> {
  return found(
    await maybeOne(tx, q.add_team_member, [orgId, teamId, userId]).catch(refusing('manage team members')),
    'team',
  );
}

/** Takes a user out of a team (admins). Throws NotFound, Forbidden. */
export async function removeTeamMember(tx: TenantTx, orgId: Id, teamId: Id, userId: Id): Promise<void> {
  found(await maybeOne(tx, q.remove_team_member, [orgId, teamId, userId]), 'team member', 'manage team members');
}

// ---------------------------------------------------------------------------------------------
// Projects

export async function listProjects(
  tx: TenantTx,
  orgId: Id,
  opts: PageOptions & { teamId?: Id } = {},
): Promise<Page<Project>> {
  return pageOf(
    opts,
    (p) => p.id,
    (after, take) => many(tx, q.list_projects, [orgId, opts.teamId ?? null, after, take]),
  );
}

/** The project; throws NotFound. */
export async function getProject(tx: TenantTx, orgId: Id, projectId: Id): Promise<Project> {
  return found(await maybeOne(tx, q.find_project, [orgId, projectId]), 'project');
}

/** Creates a project in a team (admins, or members of that team). Throws ForeignKeyViolation
 * (projects_team_fkey: no such team in this org), Forbidden. */
export async function createProject(tx: TenantTx, orgId: Id, input: { teamId: Id; name: string }): Promise<Project> {
  const row = await maybeOne(tx, q.create_project, [orgId, input.teamId, input.name]).catch(
    refusing('create projects in this team'),
  );
  if (!row) throw missingReference('team', 'projects_team_fkey', 'projects', 'team_id');
  return row;
}

/** Renames and/or moves a project (its tasks follow). Throws NotFound, Forbidden, ForeignKeyViolation. */
export async function updateProject(
  tx: TenantTx,
  orgId: Id,
  projectId: Id,
  patch: { name?: string; teamId?: Id },
): Promise<Project> {
  const row = found(
    await maybeOne(tx, q.update_project, [orgId, projectId, patch.name ?? null, patch.teamId ?? null]).catch(
      refusing('move projects to this team'),
    ),
    'project',
    'change this project',
  );
  // allowed: the outer join found the updated row, so its columns are there.
  return { id: row.id, team_id: row.team_id!, name: row.name!, created_at: row.created_at! };
}

/** Deletes a project and its tasks. Throws NotFound, Forbidden. */
export async function deleteProject(tx: TenantTx, orgId: Id, projectId: Id): Promise<void> {
  found(await maybeOne(tx, q.delete_project, [orgId, projectId]), 'project', 'delete this project');
}

// ---------------------------------------------------------------------------------------------
// Tasks

export interface ListTasksOptions extends PageOptions {
  status?: TaskStatus;
  assigneeId?: Id;
}

/** Tasks of the org, by id; each filter combination has its own statement and index. */
export async function listTasks(tx: TenantTx, orgId: Id, opts: ListTasksOptions = {}): Promise<Page<Task>> {
  return pageOf(
    opts,
    (t) => t.id,
    async (after, take) =>
      asTasks(
        opts.assigneeId !== undefined
          ? await many(tx, q.list_tasks_by_assignee, [orgId, opts.assigneeId, opts.status ?? null, after, take])
          : opts.status !== undefined
            ? await many(tx, q.list_tasks_by_status, [orgId, opts.status, after, take])
            : await many(tx, q.list_tasks, [orgId, after, take]),
      ),
  );
}

/** Tasks of a project. Throws NotFound for the project. */
export async function listProjectTasks(
  tx: TenantTx,
  orgId: Id,
  projectId: Id,
  opts: PageOptions = {},
): Promise<Page<Task>> {
  await getProject(tx, orgId, projectId);
  return pageOf(
    opts,
    (t) => t.id,
    async (after, take) => asTasks(await many(tx, q.list_project_tasks, [orgId, projectId, after, take])),
  );
}

/** The context user's open tasks in the org. */
export async function listMyTasks(tx: TenantTx, orgId: Id, opts: PageOptions = {}): Promise<Page<Task>> {
  return pageOf(
    opts,
    (t) => t.id,
    async (after, take) => asTasks(await many(tx, q.list_my_tasks, [orgId, after, take])),
  );
}

/** The task; throws NotFound. */
export async function getTask(tx: TenantTx, orgId: Id, taskId: Id): Promise<Task> {
  return found(await maybeOne(tx, q.find_task, [orgId, taskId]), 'task') as Task;
}

export interface NewTask {
  title: string;
  status?: TaskStatus;
  assigneeId?: Id | null;
}

/** Creates a task in a project. Throws NotFound (project), Forbidden, ForeignKeyViolation
 * (tasks_assignee_fkey: the assignee is not a member of this org), CheckViolation. */
export async function createTask(tx: TenantTx, orgId: Id, projectId: Id, input: NewTask): Promise<Task> {
  return found(
    await maybeOne(tx, q.create_task, [
      orgId,
      projectId,
      input.title,
      input.status ?? null,
      input.assigneeId ?? null,
    ]).catch(refusing('create tasks in this project')),
    'project',
  ) as Task;
}

/** Fields to change; `assigneeId: null` unassigns. */
export interface TaskPatch {
  title?: string;
  status?: TaskStatus;
  assigneeId?: Id | null;
}

/** Changes a task. Throws NotFound, Forbidden, ForeignKeyViolation, CheckViolation. */
export async function updateTask(tx: TenantTx, orgId: Id, taskId: Id, patch: TaskPatch): Promise<Task> {
  const row = await maybeOne(tx, q.update_task, [
    orgId,
    taskId,
    patch.title ?? null,
    patch.status ?? null,
    patch.assigneeId !== undefined,
    patch.assigneeId ?? null,
  ]).catch(refusing('change this task'));
  // allowed: the outer join found the updated row, so all of its columns are there.
  const { target_id: _, ...task } = found(row, 'task', 'change this task');
  return task as Task;
}

/** Deletes a task. Throws NotFound, Forbidden. */
export async function deleteTask(tx: TenantTx, orgId: Id, taskId: Id): Promise<void> {
  found(await maybeOne(tx, q.delete_task, [orgId, taskId]), 'task', 'delete this task');
}
