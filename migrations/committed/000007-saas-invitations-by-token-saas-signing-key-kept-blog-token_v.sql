--! Previous: sha1:0b92a7f6438217764eae269238fa7c8ad9bf23d7
--! Hash: sha1:c8927c14adbdc436170420b555691396a7805972
--! Message: saas invitations by token, saas signing key kept, blog token_version

-- Issue 12 (security hardening), two items.
--
-- saas: an invitation is accepted with a secret token, never by matching an e-mail. Before this,
-- signup turned every pending invitation for its e-mail into a membership, and "add member by
-- e-mail" attached whoever had registered that e-mail: anyone who signed up as CFO@corp.test took
-- the admin seat an owner had offered cfo@corp.test. Now the inviter gets a 32-byte random token
-- (only its sha256 is stored), the invitee presents it while signed in, and it works once, before
-- it expires. saas also keeps its token signing key in the database, as blog does.
--
-- blog: tokens carry users.token_version, which the UPDATE that changes a password or an e-mail
-- bumps, so tokens issued before the change stop working at once.

-------------------------------------------------------------------------------------------------
-- saas: invitations by token

-- Invitations made before this migration have no token anyone holds: they get a random hash
-- (nobody has its preimage) and expire now, so admins see them as expired and invite again (an
-- expired invitation gives way to a new one for the same e-mail, see invite_member.sql). No row
-- is deleted here: under forced row-level security a non-superuser owner could not see them.
alter table saas.invitations
  add column if not exists token_hash bytea not null
      default sha256(convert_to(gen_random_uuid()::text || clock_timestamp()::text, 'UTF8')),
  add column if not exists expires_at timestamptz not null default now();
alter table saas.invitations alter column token_hash drop default;
alter table saas.invitations alter column expires_at drop default;

alter table saas.invitations drop constraint if exists invitations_token_hash_check;
alter table saas.invitations add constraint invitations_token_hash_check check (length(token_hash) = 32);
alter table saas.invitations drop constraint if exists invitations_expiry_check;
-- At most 30 days: a forgotten invitation should not stay a way into the org for ever.
alter table saas.invitations add constraint invitations_expiry_check
  check (expires_at > created_at and expires_at <= created_at + interval '30 days');

comment on table saas.invitations is 'Pending invitations: an admin offers a role to an e-mail; whoever presents the token (signed in) before expires_at becomes a member, once.';
comment on column saas.invitations.email is 'Who the invitation is meant for (shown to admins; not checked at acceptance: the token is the proof).';
comment on column saas.invitations.token_hash is 'sha256 of the 32-byte random token handed to the inviter; the token itself is never stored.';
comment on column saas.invitations.expires_at is 'After this the token is refused (410); at most 30 days after created_at.';

-- Acceptance looks an invitation up by its token, across orgs (the invitee is not a member yet).
create unique index if not exists invitations_token_hash_key on saas.invitations (token_hash);
-- Signup no longer reads invitations by e-mail; the (org_id, email) key serves the admin paths.
drop index if exists saas.invitations_email_idx;

-- Signup creates the user and their org, and nothing else: it no longer accepts invitations.
create or replace function saas.signup(p_email citext, p_name text, p_password_hash text, p_org_name text)
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

    return next;
  end
  $$;
comment on function saas.signup(citext, text, text, text) is 'Create a user and their org (as owner). Invitations are accepted with their token only (accept_invitation).';

-- Nothing looks accounts up by e-mail for admins anymore: adding by e-mail always invites.
drop function if exists saas.user_id_by_email(citext);

-- Acceptance. SECURITY DEFINER (owned by saas_definer, whose policies see every invitation and
-- may insert memberships): the invitee belongs to no policy of that org yet.
-- Single use is the DELETE: two concurrent acceptances of one token both try to delete the row;
-- the second waits for the first's row lock, and once the first commits it finds the row gone
-- and deletes nothing (READ COMMITTED re-checks the row), so only one membership is ever made.
-- Returns one row (expired = false) when accepted; one row (expired = true, the rest null) when
-- the token is right but late; no row for a wrong or used token. An existing membership makes the
-- insert fail with 23505 memberships_pkey, which undoes the delete: the invitation stays.
drop function if exists saas.accept_invitation(bytea);
create function saas.accept_invitation(p_token_hash bytea)
  returns table (org_id bigint, org_name text, role saas.org_role, org_created_at timestamptz, expired boolean)
  language sql volatile security definer
  set search_path = pg_catalog
  as $$
    with accepted as (
      delete from saas.invitations i
       where i.token_hash = p_token_hash
         and i.expires_at > now()
         and saas.current_user_id() is not null
      returning i.org_id, i.role
    ), joined as (
      insert into saas.memberships (org_id, user_id, role)
      select a.org_id, saas.current_user_id(), a.role
        from accepted a
      returning memberships.org_id, memberships.role
    )
    select j.org_id, o.name, j.role, o.created_at, false
      from joined j
      join saas.orgs o on o.id = j.org_id
     union all
    select null, null, null, null, true
      from saas.invitations i
     where i.token_hash = p_token_hash
       and i.expires_at <= now()
  $$;
comment on function saas.accept_invitation(bytea) is 'The request user accepts the invitation whose token hashes to p_token_hash: the membership, or expired = true, or no row (wrong or used token).';
-- A new owner that is not a superuser needs CREATE on the function's schema (PostgreSQL's rule):
-- saas_definer gets it for this one statement.
grant create on schema saas to saas_definer;
alter function saas.accept_invitation(bytea) owner to saas_definer;
revoke create on schema saas from saas_definer;

-- saas's token signing key, kept like blog's: generated once by whichever process starts first.
-- Not a tenant table and no grant to saas_app or saas_definer: requests (and the definer
-- helpers) can never read it; the server reads it over its own connection, outside any request
-- transaction. Row-level security is not enabled, for the same reason.
create table if not exists saas.settings (
  key        text        not null,
  value      text        not null,
  created_at timestamptz not null default now(),
  constraint settings_pkey primary key (key),
  constraint settings_key_check check (key ~ '^[a-z][a-z0-9_]*$')
);
comment on table saas.settings is 'Process-independent configuration generated once and kept, e.g. the token signing key when SAAS_TOKEN_SECRET is not set. Never granted to saas_app.';
comment on column saas.settings.key is 'Setting name, snake_case (e.g. token_secret).';
comment on column saas.settings.value is 'Setting value. Secrets live here only when no environment variable provides them.';

-------------------------------------------------------------------------------------------------
-- blog: tokens die with the credentials they were issued for

alter table blog.users add column if not exists token_version integer not null default 0;
alter table blog.users drop constraint if exists users_token_version_check;
alter table blog.users add constraint users_token_version_check check (token_version >= 0);
comment on column blog.users.token_version is 'Bumped by the UPDATE that changes the password or the e-mail; a token carries the version it was issued at and is refused once they differ.';
