--! Previous: sha1:904c6d6cd45dbdf64ff5cf5217d124df99538a67
--! Hash: sha1:445f3b9894dd2373c36d2dc685847deebdc5ca15
--! Message: saas: multi-tenant schema with forced row-level security

-- saas: multi-tenant isolation enforced by PostgreSQL itself.
--
-- Every tenant table carries org_id, leads its primary key with it and references other tenant
-- tables through composite foreign keys (org_id, x_id): a row of org A cannot point at a row of
-- org B, whatever the application sends. Row-level security is enabled AND forced on every table;
-- requests run as saas_app (NOLOGIN, owns nothing, no BYPASSRLS) after `set local role saas_app`
-- and two transaction-local settings, saas.user_id and saas.org_id. With no settings, every
-- policy compares against null and no row is visible.
--
-- Roles are cluster-wide, databases are not: the roles are created idempotently and carry no
-- privilege of their own; every grant below lives in this database only, so a database cloned
-- from a template (or dropped) neither gains nor loses anything elsewhere.

create schema saas;
comment on schema saas is 'Project 7: multi-tenant orgs, teams, projects and tasks, isolated by row-level security.';

create extension if not exists citext with schema public;

-- saas_app: the role every request runs as; owns nothing, no BYPASSRLS.
-- saas_definer: owns the SECURITY DEFINER helpers and sees only what its own policies allow.
-- The migrating user (a superuser here: postgres, root or the embedded one) becomes a
-- member of both: of saas_app to `set local role`, of saas_definer to hand it the helpers.
-- Every step tolerates a concurrent run in another database of the same cluster (a parallel
-- test run's template, say): the loser of a CREATE ROLE race gets unique_violation, not
-- duplicate_object.
do $$
begin
  begin
    create role saas_app nologin;
  exception when duplicate_object or unique_violation then null;
  end;
  begin
    create role saas_definer nologin;
  exception when duplicate_object or unique_violation then null;
  end;
  begin
    grant saas_app, saas_definer to current_user;
  exception when unique_violation then null;
  end;
end
$$;

grant usage on schema saas to saas_app, saas_definer;

-- viewer < member < admin < owner: the enum order is the permission order, so policies say
-- `role >= 'member'`.
create type saas.org_role as enum ('viewer', 'member', 'admin', 'owner');
comment on type saas.org_role is 'Role of a user in an org, in increasing order of power.';

-------------------------------------------------------------------------------------------------
-- users: global accounts (one login, many orgs). Not a tenant table, but still behind RLS: a
-- request sees itself and the members of the current org, never the whole user base.
create table saas.users (
  id            bigint      generated always as identity,
  email         citext      not null,
  name          text        not null,
  password_hash text        not null,
  created_at    timestamptz not null default now(),
  constraint users_pkey          primary key (id),
  constraint users_email_key     unique (email),
  constraint users_email_check   check (email ~ '^[^@\s]+@[^@\s]+$' and length(email) <= 320),
  constraint users_name_check    check (length(name) between 1 and 200)
);
comment on table saas.users is 'Accounts. Global (a user can belong to many orgs); visible only to themselves and to their orgs'' members.';
comment on column saas.users.email is 'Login, unique case-insensitively.';
comment on column saas.users.password_hash is 'scrypt hash (never granted to saas_app).';

-------------------------------------------------------------------------------------------------
create table saas.orgs (
  id         bigint      generated always as identity,
  name       text        not null,
  created_at timestamptz not null default now(),
  constraint orgs_pkey       primary key (id),
  constraint orgs_name_check check (length(name) between 1 and 200)
);
comment on table saas.orgs is 'Tenants. orgs.id is the org_id that leads every other tenant key (the distribution column on Citus).';

create table saas.memberships (
  org_id     bigint        not null,
  user_id    bigint        not null,
  role       saas.org_role not null default 'member',
  created_at timestamptz   not null default now(),
  constraint memberships_pkey         primary key (org_id, user_id),
  constraint memberships_org_id_fkey  foreign key (org_id) references saas.orgs (id) on delete cascade,
  constraint memberships_user_id_fkey foreign key (user_id) references saas.users (id) on delete cascade
);
comment on table saas.memberships is 'A user''s role in an org. Team memberships and task assignees reference (org_id, user_id) here.';
create index memberships_user_id_idx on saas.memberships (user_id, org_id);

create table saas.invitations (
  org_id     bigint        not null,
  id         bigint        generated always as identity,
  email      citext        not null,
  role       saas.org_role not null default 'member',
  invited_by bigint,
  created_at timestamptz   not null default now(),
  constraint invitations_pkey            primary key (org_id, id),
  constraint invitations_org_id_email_key unique (org_id, email),
  constraint invitations_email_check     check (email ~ '^[^@\s]+@[^@\s]+$' and length(email) <= 320),
  constraint invitations_org_id_fkey     foreign key (org_id) references saas.orgs (id) on delete cascade,
  constraint invitations_invited_by_fkey foreign key (org_id, invited_by)
    references saas.memberships (org_id, user_id) on delete set null (invited_by)
);
comment on table saas.invitations is 'Pending invitations for emails with no account yet; turned into memberships when that email signs up.';
create index invitations_email_idx on saas.invitations (email);

create table saas.teams (
  org_id     bigint      not null,
  id         bigint      generated always as identity,
  name       text        not null,
  created_at timestamptz not null default now(),
  constraint teams_pkey             primary key (org_id, id),
  constraint teams_org_id_name_key  unique (org_id, name),
  constraint teams_name_check       check (length(name) between 1 and 200),
  constraint teams_org_id_fkey      foreign key (org_id) references saas.orgs (id) on delete cascade
);
comment on table saas.teams is 'Teams of an org; projects (and their tasks) belong to one team.';

create table saas.team_members (
  org_id     bigint      not null,
  team_id    bigint      not null,
  user_id    bigint      not null,
  created_at timestamptz not null default now(),
  constraint team_members_pkey         primary key (org_id, team_id, user_id),
  constraint team_members_team_fkey    foreign key (org_id, team_id)
    references saas.teams (org_id, id) on delete cascade,
  -- through memberships, not users: only a member of the same org can join a team.
  constraint team_members_member_fkey  foreign key (org_id, user_id)
    references saas.memberships (org_id, user_id) on delete cascade
);
comment on table saas.team_members is 'Who is in which team; a member may write the projects and tasks of their teams.';
-- current_team_ids() and the member foreign key look up (org_id, user_id).
create index team_members_user_idx on saas.team_members (org_id, user_id, team_id);

create table saas.projects (
  org_id     bigint      not null,
  id         bigint      generated always as identity,
  team_id    bigint      not null,
  name       text        not null,
  created_at timestamptz not null default now(),
  constraint projects_pkey          primary key (org_id, id),
  -- target of tasks' (org_id, team_id, project_id) key, and the index for "projects of a team".
  constraint projects_team_id_key   unique (org_id, team_id, id),
  constraint projects_name_check    check (length(name) between 1 and 200),
  constraint projects_team_fkey     foreign key (org_id, team_id)
    references saas.teams (org_id, id) on delete cascade
);
comment on table saas.projects is 'Projects, owned by a team.';

create table saas.tasks (
  org_id      bigint      not null,
  id          bigint      generated always as identity,
  team_id     bigint      not null,
  project_id  bigint      not null,
  title       text        not null,
  -- text + check rather than an enum: texteq is LEAKPROOF and enum_eq is not, so under RLS only
  -- `status = $1` on text can become an index condition (see README, "EXPLAIN").
  status      text        not null default 'todo',
  assignee_id bigint,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  constraint tasks_pkey            primary key (org_id, id),
  constraint tasks_title_check     check (length(title) between 1 and 500),
  constraint tasks_status_check    check (status in ('todo', 'doing', 'done')),
  -- team_id is the project's team, copied so that the member write policy is a plain column
  -- test; the composite key keeps it true, and follows a project moved to another team.
  constraint tasks_project_fkey    foreign key (org_id, team_id, project_id)
    references saas.projects (org_id, team_id, id) on update cascade on delete cascade,
  constraint tasks_assignee_fkey   foreign key (org_id, assignee_id)
    references saas.memberships (org_id, user_id) on delete set null (assignee_id)
);
comment on table saas.tasks is 'Tasks of a project. Open = status <> ''done''.';
comment on column saas.tasks.team_id is 'The project''s team (kept equal by the composite foreign key).';
comment on column saas.tasks.assignee_id is 'An org member (composite key to memberships), or null.';
comment on column saas.tasks.status is 'todo, doing or done.';

-- Chosen from EXPLAIN of list_tasks / list_project_tasks / list_my_tasks on 1,000,000 rows:
-- every list is (org_id, <filter>) ordered by id for keyset pagination.
create index tasks_project_idx  on saas.tasks (org_id, project_id, id);
create index tasks_assignee_idx on saas.tasks (org_id, assignee_id, id);
create index tasks_status_idx   on saas.tasks (org_id, status, id);

-------------------------------------------------------------------------------------------------
-- Request context. Plain STABLE functions over transaction-local settings; missing -> null.
create function saas.current_user_id() returns bigint
  language sql stable parallel safe
  as $$ select nullif(current_setting('saas.user_id', true), '')::bigint $$;
comment on function saas.current_user_id() is 'The request''s user (setting saas.user_id), or null.';

create function saas.current_org_id() returns bigint
  language sql stable parallel safe
  as $$ select nullif(current_setting('saas.org_id', true), '')::bigint $$;
comment on function saas.current_org_id() is 'The request''s org (setting saas.org_id), or null.';

-- SECURITY DEFINER helpers read memberships without recursing into memberships' own policies.
-- They are owned by saas_definer, which may only SELECT these two tables (policies below), and
-- are wrapped as (select saas.fn()) in policies so each runs once per query as an InitPlan.
create function saas.current_org_role() returns saas.org_role
  language sql stable security definer parallel safe
  set search_path = pg_catalog
  as $$
    select m.role
      from saas.memberships m
     where m.org_id  = saas.current_org_id()
       and m.user_id = saas.current_user_id()
  $$;
comment on function saas.current_org_role() is 'The request user''s role in the request org, or null (not a member, or no settings).';

create function saas.current_team_ids() returns bigint[]
  language sql stable security definer parallel safe
  set search_path = pg_catalog
  as $$
    select coalesce(array_agg(tm.team_id), '{}')
      from saas.team_members tm
     where tm.org_id  = saas.current_org_id()
       and tm.user_id = saas.current_user_id()
  $$;
comment on function saas.current_team_ids() is 'Teams of the request user in the request org.';

create function saas.my_memberships() returns table (org_id bigint, role saas.org_role)
  language sql stable security definer parallel safe
  set search_path = pg_catalog
  as $$
    select m.org_id, m.role
      from saas.memberships m
     where m.user_id = saas.current_user_id()
  $$;
comment on function saas.my_memberships() is 'Every org of the request user with its role (needs saas.user_id only).';

create function saas.my_org_ids() returns bigint[]
  language sql stable security definer parallel safe
  set search_path = pg_catalog
  as $$ select coalesce(array_agg(org_id), '{}') from saas.my_memberships() $$;
comment on function saas.my_org_ids() is 'Ids of every org of the request user.';

-- Admins add existing users by email; nobody else may probe which emails have accounts.
create function saas.user_id_by_email(p_email citext) returns bigint
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select u.id
      from saas.users u
     where u.email = p_email
       and saas.current_org_role() >= 'admin'
  $$;
comment on function saas.user_id_by_email(citext) is 'The user with that email, only for an admin or owner of the request org; else null.';

create function saas.find_credentials(p_email citext) returns table (id bigint, password_hash text)
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$ select u.id, u.password_hash from saas.users u where u.email = p_email $$;
comment on function saas.find_credentials(citext) is 'Login lookup: id and password hash for an email (the only path to password_hash).';

-- Signup: the new user has no membership yet, so no policy could let them create their org.
create function saas.signup(p_email citext, p_name text, p_password_hash text, p_org_name text)
  returns table (user_id bigint, org_id bigint)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
  begin
    insert into saas.users (email, name, password_hash)
    values (p_email, p_name, p_password_hash)
    returning id into user_id;

    insert into saas.orgs (name) values (p_org_name) returning id into org_id;

    insert into saas.memberships (org_id, user_id, role)
    values (signup.org_id, signup.user_id, 'owner');

    -- Pending invitations for this email become memberships.
    with accepted as (
      delete from saas.invitations i where i.email = p_email returning i.org_id, i.role
    )
    insert into saas.memberships (org_id, user_id, role)
    select a.org_id, signup.user_id, a.role from accepted a
    on conflict on constraint memberships_pkey do nothing;

    return next;
  end
  $$;
comment on function saas.signup(citext, text, text, text) is 'Create a user, their org (as owner) and accept their pending invitations.';

create function saas.create_org(p_name text)
  returns table (id bigint, name text, created_at timestamptz)
  language plpgsql volatile security definer
  set search_path = pg_catalog
  as $$
  declare
    v_user bigint := saas.current_user_id();
  begin
    if v_user is null then
      raise exception 'saas.user_id is not set' using errcode = '42501';
    end if;
    insert into saas.orgs as o (name) values (p_name)
    returning o.id, o.name, o.created_at into create_org.id, create_org.name, create_org.created_at;
    insert into saas.memberships (org_id, user_id, role) values (create_org.id, v_user, 'owner');
    return next;
  end
  $$;
comment on function saas.create_org(text) is 'Create an org owned by the request user; returns the new org.';

-- An org always keeps an owner. The check runs as saas_definer: the caller may just have demoted
-- themselves, after which their own policies would no longer let them see or lock the org.
-- Locking the org row serialises two owners demoting each other at once: the second waits for
-- the first to commit, then counts again and fails. When the org itself is being deleted (the
-- cascade), the row is gone and there is nothing to keep.
create function saas.memberships_keep_owner() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog
  as $$
  begin
    perform 1 from saas.orgs o where o.id = old.org_id for update;
    if found and not exists (
      select 1 from saas.memberships m where m.org_id = old.org_id and m.role = 'owner'
    ) then
      raise exception 'org % must keep an owner', old.org_id
        using errcode = '23514', constraint = 'memberships_one_owner',
              table = 'memberships', schema = 'saas';
    end if;
    return null;
  end
  $$;
comment on function saas.memberships_keep_owner() is 'Trigger: refuses to demote or remove the last owner of an org (memberships_one_owner).';
create trigger memberships_keep_owner_on_update
  after update of role on saas.memberships
  for each row when (old.role = 'owner' and new.role <> 'owner')
  execute function saas.memberships_keep_owner();
create trigger memberships_keep_owner_on_delete
  after delete on saas.memberships
  for each row when (old.role = 'owner')
  execute function saas.memberships_keep_owner();

alter function saas.current_org_role()  owner to saas_definer;
alter function saas.current_team_ids()  owner to saas_definer;
alter function saas.my_memberships()    owner to saas_definer;
alter function saas.my_org_ids()        owner to saas_definer;
alter function saas.user_id_by_email(citext) owner to saas_definer;
alter function saas.find_credentials(citext) owner to saas_definer;
alter function saas.signup(citext, text, text, text) owner to saas_definer;
alter function saas.create_org(text)    owner to saas_definer;
alter function saas.memberships_keep_owner() owner to saas_definer;

revoke all on all functions in schema saas from public;
grant execute on all functions in schema saas to saas_app;
grant execute on function saas.current_user_id(), saas.current_org_id() to saas_definer;

-------------------------------------------------------------------------------------------------
-- Privileges: saas_app gets table privileges, the policies decide rows.
grant select (id, email, name, created_at), update (name) on saas.users to saas_app;
grant select, update, delete             on saas.orgs         to saas_app;
grant select, insert, update, delete     on saas.memberships  to saas_app;
grant select, insert, delete             on saas.invitations  to saas_app;
grant select, insert, update, delete     on saas.teams        to saas_app;
grant select, insert, delete             on saas.team_members to saas_app;
grant select, insert, update, delete     on saas.projects     to saas_app;
grant select, insert, update, delete     on saas.tasks        to saas_app;

grant select, insert              on saas.users        to saas_definer;
-- update (name): only so that memberships_keep_owner may lock the org row (FOR UPDATE needs it).
grant select, insert, update (name) on saas.orgs       to saas_definer;
grant select, insert              on saas.memberships  to saas_definer;
grant select, delete              on saas.invitations  to saas_definer;
grant select                      on saas.team_members to saas_definer;

alter table saas.users        enable row level security;
alter table saas.orgs         enable row level security;
alter table saas.memberships  enable row level security;
alter table saas.invitations  enable row level security;
alter table saas.teams        enable row level security;
alter table saas.team_members enable row level security;
alter table saas.projects     enable row level security;
alter table saas.tasks        enable row level security;
-- Forced: the table owner is subject to the policies too (only superusers and BYPASSRLS roles
-- are not), so a non-superuser owner cannot read tenant data by accident either.
alter table saas.users        force row level security;
alter table saas.orgs         force row level security;
alter table saas.memberships  force row level security;
alter table saas.invitations  force row level security;
alter table saas.teams        force row level security;
alter table saas.team_members force row level security;
alter table saas.projects     force row level security;
alter table saas.tasks        force row level security;

-- saas_definer: exactly what the helper functions need.
create policy users_definer        on saas.users        for all    to saas_definer using (true) with check (true);
create policy orgs_definer         on saas.orgs         for all    to saas_definer using (true) with check (true);
create policy memberships_definer  on saas.memberships  for all    to saas_definer using (true) with check (true);
create policy invitations_definer  on saas.invitations  for all    to saas_definer using (true);
create policy team_members_definer on saas.team_members for select to saas_definer using (true);

-- saas_app. Every condition on the request context is an InitPlan: (select saas.fn()).
-- users: yourself, and the members of the current org (through memberships' own policy).
create policy users_select on saas.users for select to saas_app
  using (id = (select saas.current_user_id())
         or exists (select 1 from saas.memberships m
                     where m.org_id = (select saas.current_org_id()) and m.user_id = users.id));
create policy users_update on saas.users for update to saas_app
  using (id = (select saas.current_user_id()))
  with check (id = (select saas.current_user_id()));

-- orgs: listed across all your orgs; only the owner renames or deletes, in the current org.
create policy orgs_select on saas.orgs for select to saas_app
  using (id = any ((select saas.my_org_ids())::bigint[]));
create policy orgs_update on saas.orgs for update to saas_app
  using (id = (select saas.current_org_id()) and (select saas.current_org_role()) = 'owner')
  with check (id = (select saas.current_org_id()));
create policy orgs_delete on saas.orgs for delete to saas_app
  using (id = (select saas.current_org_id()) and (select saas.current_org_role()) = 'owner');

-- memberships: every member reads; admins manage non-owners; owners manage everyone; anyone
-- may leave. Only an owner can grant 'owner'.
create policy memberships_select on saas.memberships for select to saas_app
  using (org_id = (select saas.current_org_id()) and (select saas.current_org_role()) is not null);
create policy memberships_insert on saas.memberships for insert to saas_app
  with check (org_id = (select saas.current_org_id())
              and ((select saas.current_org_role()) = 'owner'
                   or ((select saas.current_org_role()) = 'admin' and role <> 'owner')));
create policy memberships_update on saas.memberships for update to saas_app
  using (org_id = (select saas.current_org_id())
         and ((select saas.current_org_role()) = 'owner'
              or ((select saas.current_org_role()) = 'admin' and role <> 'owner')))
  with check (org_id = (select saas.current_org_id())
              and ((select saas.current_org_role()) = 'owner'
                   or ((select saas.current_org_role()) = 'admin' and role <> 'owner')));
create policy memberships_delete on saas.memberships for delete to saas_app
  using (org_id = (select saas.current_org_id())
         and ((select saas.current_org_role()) = 'owner'
              or ((select saas.current_org_role()) = 'admin' and role <> 'owner')
              or user_id = (select saas.current_user_id())));

-- invitations: admins and owners only (they carry emails of people outside the org).
create policy invitations_select on saas.invitations for select to saas_app
  using (org_id = (select saas.current_org_id()) and (select saas.current_org_role()) >= 'admin');
create policy invitations_insert on saas.invitations for insert to saas_app
  with check (org_id = (select saas.current_org_id())
              and ((select saas.current_org_role()) = 'owner'
                   or ((select saas.current_org_role()) = 'admin' and role <> 'owner')));
create policy invitations_delete on saas.invitations for delete to saas_app
  using (org_id = (select saas.current_org_id()) and (select saas.current_org_role()) >= 'admin');

-- teams and team members: every member reads, admins manage. Write policies are per command
-- (not `for all`) so that SELECT sees only the one select policy: fewer InitPlans per read.
create policy teams_select on saas.teams for select to saas_app
  using (org_id = (select saas.current_org_id()) and (select saas.current_org_role()) is not null);
create policy teams_insert on saas.teams for insert to saas_app
  with check (org_id = (select saas.current_org_id()) and (select saas.current_org_role()) >= 'admin');
create policy teams_update on saas.teams for update to saas_app
  using (org_id = (select saas.current_org_id()) and (select saas.current_org_role()) >= 'admin')
  with check (org_id = (select saas.current_org_id()) and (select saas.current_org_role()) >= 'admin');
create policy teams_delete on saas.teams for delete to saas_app
  using (org_id = (select saas.current_org_id()) and (select saas.current_org_role()) >= 'admin');

create policy team_members_select on saas.team_members for select to saas_app
  using (org_id = (select saas.current_org_id()) and (select saas.current_org_role()) is not null);
create policy team_members_insert on saas.team_members for insert to saas_app
  with check (org_id = (select saas.current_org_id()) and (select saas.current_org_role()) >= 'admin');
create policy team_members_delete on saas.team_members for delete to saas_app
  using (org_id = (select saas.current_org_id()) and (select saas.current_org_role()) >= 'admin');

-- projects and tasks: every member reads; admins and owners write anywhere in the org; members
-- write in their teams (team_id in current_team_ids(), itself one InitPlan); viewers only read.
create policy projects_select on saas.projects for select to saas_app
  using (org_id = (select saas.current_org_id()) and (select saas.current_org_role()) is not null);
create policy projects_insert on saas.projects for insert to saas_app
  with check (org_id = (select saas.current_org_id())
         and ((select saas.current_org_role()) >= 'admin'
              or ((select saas.current_org_role()) = 'member'
                  and team_id = any ((select saas.current_team_ids())::bigint[]))));
create policy projects_update on saas.projects for update to saas_app
  using (org_id = (select saas.current_org_id())
         and ((select saas.current_org_role()) >= 'admin'
              or ((select saas.current_org_role()) = 'member'
                  and team_id = any ((select saas.current_team_ids())::bigint[]))))
  with check (org_id = (select saas.current_org_id())
         and ((select saas.current_org_role()) >= 'admin'
              or ((select saas.current_org_role()) = 'member'
                  and team_id = any ((select saas.current_team_ids())::bigint[]))));
create policy projects_delete on saas.projects for delete to saas_app
  using (org_id = (select saas.current_org_id())
         and ((select saas.current_org_role()) >= 'admin'
              or ((select saas.current_org_role()) = 'member'
                  and team_id = any ((select saas.current_team_ids())::bigint[]))));

create policy tasks_select on saas.tasks for select to saas_app
  using (org_id = (select saas.current_org_id()) and (select saas.current_org_role()) is not null);
create policy tasks_insert on saas.tasks for insert to saas_app
  with check (org_id = (select saas.current_org_id())
         and ((select saas.current_org_role()) >= 'admin'
              or ((select saas.current_org_role()) = 'member'
                  and team_id = any ((select saas.current_team_ids())::bigint[]))));
create policy tasks_update on saas.tasks for update to saas_app
  using (org_id = (select saas.current_org_id())
         and ((select saas.current_org_role()) >= 'admin'
              or ((select saas.current_org_role()) = 'member'
                  and team_id = any ((select saas.current_team_ids())::bigint[]))))
  with check (org_id = (select saas.current_org_id())
         and ((select saas.current_org_role()) >= 'admin'
              or ((select saas.current_org_role()) = 'member'
                  and team_id = any ((select saas.current_team_ids())::bigint[]))));
create policy tasks_delete on saas.tasks for delete to saas_app
  using (org_id = (select saas.current_org_id())
         and ((select saas.current_org_role()) >= 'admin'
              or ((select saas.current_org_role()) = 'member'
                  and team_id = any ((select saas.current_team_ids())::bigint[]))));
