--! Previous: sha1:c8927c14adbdc436170420b555691396a7805972
--! Hash: sha1:70e93b76ea248149ec065a5f4f8c682cf0a51321
--! Message: least privilege: requests run as pggrind_app, which owns nothing and gets only what each project grants; definer functions pin search_path

-- Least privilege: requests run as pggrind_app, which owns nothing, is not a superuser, has no
-- BYPASSRLS and may use only what is granted here. Whoever runs the migrations (pggrind_owner on
-- the embedded cluster, the owner role of MIGRATION_DATABASE_URL elsewhere) owns every object.
-- A project's migration ends with its own grants, table by table where the statements need less
-- than everything; test/core/privileges.ts fails for a table nobody granted or thought about.
--
-- pggrind_app is created here when missing, NOLOGIN: a DBA then gives it LOGIN and a password, or
-- grants it to the login role of their choice (README, "Roles"). The embedded cluster creates it
-- with LOGIN and a generated password before migrating. As in the saas migration, every step
-- tolerates a concurrent run in another database of the same cluster.
do $$
begin
  begin
    create role pggrind_app nologin;
  exception when duplicate_object or unique_violation then null;
  end;
end
$$;

-- Nobody but the owner creates objects in the database (PostgreSQL 15 already revokes CREATE on
-- public from PUBLIC; TEMP stays: CONNECT and temporary tables harm no one else).
revoke create on schema public from public;

-- The server checks at start that every migration is applied: it reads graphile-migrate's table.
grant usage on schema graphile_migrate to pggrind_app;
grant select on graphile_migrate.migrations to pggrind_app;

-- todo: one table, every verb of the Todo-Backend API.
grant usage on schema todo to pggrind_app;
grant select, insert, update, delete on todo.todos to pggrind_app;

-- booking: the statements read, insert, update and delete everywhere (idempotency keys expire).
grant usage on schema booking to pggrind_app;
grant select, insert, update, delete on all tables in schema booking to pggrind_app;

-- blog: settings hold the JWT signing secret: requests read it and create it once, never change
-- or delete it (a request path cannot swap the key and forge tokens with its own afterwards).
-- get_or_create_setting's no-op `on conflict do update` needs UPDATE on the column; the trigger
-- below makes any update that would change a value fail, whoever runs it. To rotate the secret,
-- the owner deletes the row (every token is then refused) and the next start makes a new one.
grant usage on schema blog to pggrind_app;
grant select, insert, update, delete on blog.users, blog.follows, blog.articles, blog.tags,
  blog.article_tags, blog.favorites, blog.comments to pggrind_app;
grant select, insert, update (value) on blog.settings to pggrind_app;

create function blog.settings_keep_value() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    if new.value is distinct from old.value or new.key is distinct from old.key then
      raise exception 'blog.settings % is written once: delete it to replace it', old.key
        using errcode = '42501';
    end if;
    return new;
  end
  $$;
comment on function blog.settings_keep_value() is 'Trigger: a setting (the JWT secret) is written once; only its owner may delete it.';
create trigger settings_keep_value before update on blog.settings
  for each row execute function blog.settings_keep_value();
comment on trigger settings_keep_value on blog.settings is 'The signing secret cannot be swapped through the request role''s no-op upsert.';

-- queue: the HTTP API and the workers share every table.
grant usage on schema queue to pggrind_app;
grant select, insert, update, delete on all tables in schema queue to pggrind_app;

-- saas: only through saas_app, whose privileges come with row-level security forced on every
-- table. A member of saas_app with no request context sees no row (every policy compares with
-- null), so a code path that forgets the tenant transaction shows nothing rather than everything.
grant saas_app to pggrind_app;
-- Its functions run for saas_app only (PostgreSQL grants EXECUTE to PUBLIC by default): no other
-- role of the cluster may call signup or the definer helpers, whatever schema usage it gets later.
revoke execute on all functions in schema saas from public;
grant execute on all functions in schema saas to saas_app;

-- saas.settings (the token signing key) is read over the server's own connection, never inside a
-- request's transaction as saas_app, which has no privilege on it; written once, as blog's.
grant select, insert, update (value) on saas.settings to pggrind_app;
create function saas.settings_keep_value() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
  as $$
  begin
    if new.value is distinct from old.value or new.key is distinct from old.key then
      raise exception 'saas.settings % is written once: delete it to replace it', old.key
        using errcode = '42501';
    end if;
    return new;
  end
  $$;
comment on function saas.settings_keep_value() is 'Trigger: a setting (the token signing key) is written once; only its owner may delete it.';
create trigger settings_keep_value before update on saas.settings
  for each row execute function saas.settings_keep_value();
comment on trigger settings_keep_value on saas.settings is 'The signing key cannot be swapped through the request role''s no-op upsert.';

-- Inserts into identity columns need no privilege on their sequences; statements that call nextval
-- themselves do (blog's create_article picks the id before the slug, queue's fire_schedules).
grant usage on all sequences in schema todo, booking, blog, queue to pggrind_app;

-- saas_definer was given CREATE on the schemas the owner creates (provisioning, roles.ts) so that
-- the saas migration could hand it its SECURITY DEFINER functions; they are handed over: take it back.
revoke create on schema saas from saas_definer;
alter default privileges for role current_user revoke create on schemas from saas_definer;

-------------------------------------------------------------------------------------------------
-- SECURITY DEFINER functions (issue 12, item 11): `search_path = pg_catalog, pg_temp`. pg_temp
-- named last, or PostgreSQL searches it first for tables, so a caller's temporary table could stand
-- in for one the function reads; public left out, so nothing a role may create there can shadow an
-- operator or function. Every name in their bodies is schema-qualified; the only body that needed
-- it is find_credentials, whose citext "=" lives in public: unqualified under this path it would
-- resolve to text "=" (through citext's implicit cast) and compare e-mails case-sensitively.
alter function saas.current_org_role()                  set search_path = pg_catalog, pg_temp;
alter function saas.current_team_ids()                  set search_path = pg_catalog, pg_temp;
alter function saas.my_memberships()                    set search_path = pg_catalog, pg_temp;
alter function saas.my_org_ids()                        set search_path = pg_catalog, pg_temp;
alter function saas.signup(public.citext, text, text, text) set search_path = pg_catalog, pg_temp;
alter function saas.create_org(text)                    set search_path = pg_catalog, pg_temp;
alter function saas.memberships_keep_owner()            set search_path = pg_catalog, pg_temp;
alter function saas.accept_invitation(bytea)            set search_path = pg_catalog, pg_temp;

create or replace function saas.find_credentials(p_email public.citext) returns table (id bigint, password_hash text)
  language sql stable security definer
  set search_path = pg_catalog, pg_temp
  as $$ select u.id, u.password_hash from saas.users u where u.email operator(public.=) p_email $$;

-------------------------------------------------------------------------------------------------
-- queue: attempts are charged when a handler starts (issue 12, item 7), no longer at the claim.
comment on column queue.jobs.attempts is 'Attempts so far, counted when a handler starts (folded into the next complete/fail statement), so a job rescued after a crash is charged only if it ran.';
