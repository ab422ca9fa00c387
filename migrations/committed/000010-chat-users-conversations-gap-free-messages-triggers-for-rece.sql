--! Previous: sha1:8b89e3c545fed48599485235c2e3eccb5c84fe99
--! Hash: sha1:ad41410b058042345cf2dbc02d7e6ecf178e5921
--! Message: chat: users, conversations, gap-free messages, triggers for receipts and unread counts, NOTIFY, inbox view

-- chat: real time from PostgreSQL itself.
--
-- Three guarantees live here, not in TypeScript:
--   1. each conversation's messages carry a gap-free sequence number (1, 2, 3, ...) assigned under
--      the conversation row's lock, so a client that missed a push resyncs by sequence;
--   2. each member's unread count equals the number of live messages from others after their
--      last-read sequence, kept by triggers that every write path goes through, and never negative
--      (a CHECK turns a bug into an error instead of a clamp hiding it);
--   3. every change NOTIFYs channel `chat` with a small payload (conversation, sequence, kind),
--      never the body, delivered only when the transaction commits.

create schema chat;
comment on schema chat is 'pg-grind project 8: conversations, gap-free message sequences, receipts, unread counts, LISTEN/NOTIFY.';

------------------------------------------------------------------------------------------------
-- users
------------------------------------------------------------------------------------------------

create table chat.users (
  id            bigint generated always as identity,
  email         text not null,
  name          text not null,
  password_hash text not null,
  created_at    timestamptz not null default now(),
  constraint users_pkey primary key (id),
  constraint users_email_key unique (email),
  constraint users_email_check check (email ~ '^[^@[:space:]]+@[^@[:space:]]+$' and email = lower(email) and char_length(email) <= 320),
  constraint users_name_length check (char_length(name) between 1 and 100)
);
comment on table chat.users is 'Chat accounts (own authentication: scrypt hashes, HS256 bearer tokens).';
comment on column chat.users.email is 'Lower-cased by the library; unique (users_email_key).';

------------------------------------------------------------------------------------------------
-- conversations
------------------------------------------------------------------------------------------------

create table chat.conversations (
  id              bigint generated always as identity,
  kind            text not null,
  name            text,
  direct_low      bigint,
  direct_high     bigint,
  last_seq        bigint not null default 0,
  last_message_at timestamptz,
  created_by      bigint,
  created_at      timestamptz not null default now(),
  constraint conversations_pkey primary key (id),
  constraint conversations_kind_check check (kind in ('direct', 'group')),
  -- A direct conversation is its ordered pair of users and has no name; a group has a name and no pair.
  constraint conversations_direct_shape check (
    (kind = 'direct' and name is null and direct_low is not null and direct_high is not null and direct_low < direct_high)
    or (kind = 'group' and name is not null and direct_low is null and direct_high is null)),
  constraint conversations_name_length check (name is null or char_length(name) between 1 and 200),
  constraint conversations_last_seq_check check (last_seq >= 0),
  -- Exactly one direct conversation per pair: the pair is stored ordered (low < high), so (a, b)
  -- and (b, a) collide here. Groups have nulls there, and nulls never collide.
  constraint conversations_direct_pair_key unique (direct_low, direct_high),
  -- on delete cascade: deleting a user removes their direct conversations (the pair no longer exists).
  constraint conversations_direct_low_fkey foreign key (direct_low) references chat.users (id) on delete cascade,
  constraint conversations_direct_high_fkey foreign key (direct_high) references chat.users (id) on delete cascade,
  -- on delete set null: a group outlives its creator.
  constraint conversations_created_by_fkey foreign key (created_by) references chat.users (id) on delete set null
);
comment on table chat.conversations is 'A direct conversation (one per pair of users) or a named group. The row is the lock that orders its messages.';
comment on column chat.conversations.last_seq is 'Sequence of the newest message; senders take it with UPDATE ... SET last_seq = last_seq + 1, which holds the row lock until commit, so sequences are gap-free and in commit order.';
comment on column chat.conversations.direct_low is 'Direct conversations: the smaller user id of the pair.';
comment on column chat.conversations.direct_high is 'Direct conversations: the larger user id of the pair.';

-- conversations_direct_pair_key already serves lookups by pair; direct_high needs its own index
-- for the cascading delete of a user.
create index conversations_direct_high_idx on chat.conversations (direct_high) where direct_high is not null;

create table chat.members (
  conversation_id bigint not null,
  user_id         bigint not null,
  role            text not null default 'member',
  joined_at       timestamptz not null default now(),
  left_at         timestamptz,
  last_read_seq   bigint not null default 0,
  unread_count    integer not null default 0,
  constraint members_pkey primary key (conversation_id, user_id),
  constraint members_role_check check (role in ('owner', 'admin', 'member')),
  -- Never negative: a trigger bug raises 23514 instead of showing "-1 unread" (mattermost#24587).
  constraint members_unread_count_check check (unread_count >= 0),
  constraint members_last_read_seq_check check (last_read_seq >= 0),
  -- A member who left has nothing unread: the counter is only kept for current members.
  constraint members_left_no_unread check (left_at is null or unread_count = 0),
  -- on delete cascade: the membership is part of the conversation and of the user.
  constraint members_conversation_id_fkey foreign key (conversation_id) references chat.conversations (id) on delete cascade,
  constraint members_user_id_fkey foreign key (user_id) references chat.users (id) on delete cascade
);
comment on table chat.members is 'Current and former members. last_read_seq is the read receipt (one row per member, not per message per reader); unread_count is kept by triggers.';
comment on column chat.members.left_at is 'Set when the member left or was removed; null for current members. A former member reads nothing and is pushed nothing.';
comment on column chat.members.last_read_seq is 'Read receipt: every message up to this sequence is read. Only moves forward (members_read_forward trigger).';
comment on column chat.members.unread_count is 'Live messages from others after last_read_seq. Kept by the messages and members triggers; never negative.';

-- The inbox and every "my conversations" lookup: a user's current memberships.
create index members_user_id_idx on chat.members (user_id, conversation_id) where left_at is null;

create table chat.membership_events (
  id              bigint generated always as identity,
  conversation_id bigint not null,
  user_id         bigint not null,
  kind            text not null,
  by_user_id      bigint,
  at              timestamptz not null default now(),
  constraint membership_events_pkey primary key (id),
  constraint membership_events_kind_check check (kind in ('join', 'leave')),
  constraint membership_events_conversation_id_fkey foreign key (conversation_id) references chat.conversations (id) on delete cascade,
  constraint membership_events_user_id_fkey foreign key (user_id) references chat.users (id) on delete cascade,
  -- on delete set null: the history outlives whoever added or removed the member.
  constraint membership_events_by_user_id_fkey foreign key (by_user_id) references chat.users (id) on delete set null
);
comment on table chat.membership_events is 'Join/leave history of group members, written by the members trigger.';
create index membership_events_conversation_id_idx on chat.membership_events (conversation_id, id);
create index membership_events_user_id_idx on chat.membership_events (user_id);
create index membership_events_by_user_id_idx on chat.membership_events (by_user_id) where by_user_id is not null;

------------------------------------------------------------------------------------------------
-- messages
------------------------------------------------------------------------------------------------

create table chat.messages (
  conversation_id bigint not null,
  seq             bigint not null,
  sender_id       bigint,
  body            text,
  created_at      timestamptz not null default now(),
  edited_at       timestamptz,
  deleted_at      timestamptz,
  -- The primary key is also every window query's index: (conversation, seq) in both directions.
  constraint messages_pkey primary key (conversation_id, seq),
  constraint messages_seq_check check (seq >= 1),
  constraint messages_body_length check (body is null or char_length(body) between 1 and 4000),
  -- A deleted message keeps its place in the sequence (no gap) but loses its body (kept in message_events).
  constraint messages_deleted_no_body check ((deleted_at is null) = (body is not null)),
  constraint messages_conversation_id_fkey foreign key (conversation_id) references chat.conversations (id) on delete cascade,
  -- on delete set null: a deleted account's messages stay in the conversation, unattributed.
  constraint messages_sender_id_fkey foreign key (sender_id) references chat.users (id) on delete set null
);
comment on table chat.messages is 'Messages; (conversation_id, seq) is gap-free per conversation. Edits and deletes are also kept in message_events.';
comment on column chat.messages.seq is 'Gap-free per conversation, assigned by chat.send_message under the conversation row lock.';
comment on column chat.messages.body is 'Null once deleted.';
create index messages_sender_id_idx on chat.messages (sender_id);

create table chat.message_events (
  id              bigint generated always as identity,
  conversation_id bigint not null,
  seq             bigint not null,
  kind            text not null,
  old_body        text,
  by_user_id      bigint,
  at              timestamptz not null default now(),
  constraint message_events_pkey primary key (id),
  constraint message_events_kind_check check (kind in ('edit', 'delete')),
  constraint message_events_message_fkey foreign key (conversation_id, seq) references chat.messages (conversation_id, seq) on delete cascade,
  constraint message_events_by_user_id_fkey foreign key (by_user_id) references chat.users (id) on delete set null
);
comment on table chat.message_events is 'Edit and delete history of messages: the body before the change, who changed it, when.';
create index message_events_message_idx on chat.message_events (conversation_id, seq);
create index message_events_by_user_id_idx on chat.message_events (by_user_id) where by_user_id is not null;

create table chat.reactions (
  conversation_id bigint not null,
  seq             bigint not null,
  user_id         bigint not null,
  emoji           text not null,
  created_at      timestamptz not null default now(),
  constraint reactions_pkey primary key (conversation_id, seq, user_id, emoji),
  constraint reactions_emoji_length check (char_length(emoji) between 1 and 32),
  constraint reactions_message_fkey foreign key (conversation_id, seq) references chat.messages (conversation_id, seq) on delete cascade,
  constraint reactions_user_id_fkey foreign key (user_id) references chat.users (id) on delete cascade
);
comment on table chat.reactions is 'One row per (message, user, emoji); the primary key makes reacting twice a no-op.';
create index reactions_user_id_idx on chat.reactions (user_id);

create table chat.attachments (
  id              bigint generated always as identity,
  conversation_id bigint not null,
  seq             bigint not null,
  filename        text not null,
  content_type    text not null,
  size_bytes      bigint not null,
  url             text not null,
  constraint attachments_pkey primary key (id),
  constraint attachments_filename_length check (char_length(filename) between 1 and 255),
  constraint attachments_content_type_check check (content_type ~ '^[a-z0-9.+-]+/[a-z0-9.+-]+$'),
  constraint attachments_size_bytes_check check (size_bytes between 0 and 1073741824),
  constraint attachments_url_check check (url ~ '^https?://' and char_length(url) <= 2000),
  constraint attachments_message_fkey foreign key (conversation_id, seq) references chat.messages (conversation_id, seq) on delete cascade
);
comment on table chat.attachments is 'Attachment metadata only (the bytes live in object storage at url).';
create index attachments_message_idx on chat.attachments (conversation_id, seq);

------------------------------------------------------------------------------------------------
-- NOTIFY: small payloads, on commit
------------------------------------------------------------------------------------------------

-- Payload: {"c":<conversation>,"s":<seq>,"k":"m|e|d|r"} or {"c":..,"u":<user>,"k":"j|l"}: under 80
-- bytes, far from the 8,000-byte limit whatever the message. NOTIFY is queued by the transaction and
-- delivered at commit (never for a rollback). A writer that batches its own notifications sets
-- chat.notify = 'off' for its transaction (chat.send_message's p_notify => false) and sends one
-- NOTIFY per batch of commits instead (src/lib/chat/live.ts).
create function chat.notify(payload jsonb) returns void
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
begin
  if coalesce(current_setting('chat.notify', true), '') <> 'off' then
    perform pg_notify('chat', payload::text);
  end if;
end
$$;
comment on function chat.notify(jsonb) is 'pg_notify(''chat'', payload) unless chat.notify = off in this transaction.';

------------------------------------------------------------------------------------------------
-- unread counters and read receipts (triggers)
------------------------------------------------------------------------------------------------

-- Lock order, the one rule that keeps these triggers free of deadlocks: member rows are locked in
-- (conversation_id, user_id) order by everyone who locks several (a send or delete: one
-- conversation's rows by user; mark_all_read: one user's rows by conversation), and the conversation
-- row, when taken, is taken first and FOR NO KEY UPDATE (a FOR UPDATE would also block the
-- KEY SHARE locks that foreign-key checks of membership_events and messages take on it, which
-- deadlocked a leave against a delete in test/chat/concurrency.ts).

-- New messages: +1 unread per message from someone else for every other current member, and the
-- sender has read up to their own message (sending marks the conversation read, as Slack and
-- Mattermost do). A statement-level trigger over the transition table: a multi-row INSERT (the
-- seed) is counted once per message. (A row trigger was not: each row's trigger ran after the whole
-- statement, so the sender's recount already saw the later rows that their own triggers then
-- counted again.) Runs under the conversation row lock that chat.send_message took, so a join
-- (which takes the same lock) is either counted or sees the message.
create function chat.messages_after_insert() returns trigger
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
begin
  update chat.members m
     set last_read_seq = greatest(m.last_read_seq, coalesce(d.own_max, 0)),
         unread_count  = m.unread_count + d.unread_new
    from (select mm.conversation_id,
                 mm.user_id,
                 (select max(n.seq) from new_rows n
                   where n.conversation_id = mm.conversation_id and n.sender_id = mm.user_id) as own_max,
                 (select count(*) from new_rows n
                   where n.conversation_id = mm.conversation_id
                     and n.sender_id is distinct from mm.user_id
                     and n.seq > mm.last_read_seq) as unread_new
            from chat.members mm
           where mm.conversation_id in (select conversation_id from new_rows)
             and mm.left_at is null
           order by mm.conversation_id, mm.user_id
             for no key update of mm) d
   where m.conversation_id = d.conversation_id
     and m.user_id = d.user_id
     and m.left_at is null
     and (d.own_max is not null or d.unread_new > 0);
  perform chat.notify(jsonb_build_object('c', n.conversation_id, 's', n.seq, 'k', 'm'))
     from (select conversation_id, seq from new_rows order by conversation_id, seq) n;
  return null;
end
$$;
create trigger messages_after_insert after insert on chat.messages
  referencing new table as new_rows
  for each statement execute function chat.messages_after_insert();

-- A deleted message was unread by every current member (sender aside) whose receipt is below it:
-- -1 for them. Runs under the conversation row lock (chat.delete_message), like sends.
create function chat.messages_after_update() returns trigger
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
begin
  if old.deleted_at is null and new.deleted_at is not null then
    update chat.members m
       set unread_count = m.unread_count - 1
      from (select user_id
              from chat.members
             where conversation_id = new.conversation_id
               and left_at is null
               and user_id is distinct from new.sender_id
               and last_read_seq < new.seq
             order by user_id
               for no key update) locked
     where m.conversation_id = new.conversation_id
       and m.user_id = locked.user_id
       and m.left_at is null
       and m.last_read_seq < new.seq;
    perform chat.notify(jsonb_build_object('c', new.conversation_id, 's', new.seq, 'k', 'd'));
  elsif new.body is distinct from old.body then
    perform chat.notify(jsonb_build_object('c', new.conversation_id, 's', new.seq, 'k', 'e'));
  end if;
  return null;
end
$$;
create trigger messages_after_update after update on chat.messages
  for each row execute function chat.messages_after_update();

-- The receipt only moves forward, and when it moves the unread count is recounted, not adjusted:
-- the live messages from others after the new receipt. The count runs in this trigger with its
-- own snapshot (a volatile plpgsql statement in READ COMMITTED), after this row's lock is held,
-- so it sees every send or delete that committed before; one still in flight waits for this row
-- and then adjusts the recounted value. Marking read up to the newest message costs one index
-- probe (nothing after it), whatever the backlog: no per-message UPDATE (zulip#21666).
create function chat.members_before_update() returns trigger
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
begin
  if new.last_read_seq < old.last_read_seq then
    new.last_read_seq := old.last_read_seq;
  end if;
  if new.left_at is not null then
    new.unread_count := 0;
  elsif new.last_read_seq > old.last_read_seq or (old.left_at is not null and new.left_at is null) then
    new.unread_count := (select count(*)
                           from chat.messages m
                          where m.conversation_id = new.conversation_id
                            and m.seq > new.last_read_seq
                            and m.deleted_at is null
                            and m.sender_id is distinct from new.user_id);
  end if;
  return new;
end
$$;
create trigger members_before_update before update on chat.members
  for each row execute function chat.members_before_update();

-- Joins and leaves: history row, and a NOTIFY so that every server drops (or adds) the member's
-- live subscriptions at once.
create function chat.members_after_change() returns trigger
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
declare
  by_user bigint := nullif(current_setting('chat.actor', true), '')::bigint;
begin
  if tg_op = 'INSERT' or (old.left_at is not null and new.left_at is null) then
    insert into chat.membership_events (conversation_id, user_id, kind, by_user_id)
    values (new.conversation_id, new.user_id, 'join', by_user);
    perform chat.notify(jsonb_build_object('c', new.conversation_id, 'u', new.user_id, 'k', 'j'));
  elsif old.left_at is null and new.left_at is not null then
    insert into chat.membership_events (conversation_id, user_id, kind, by_user_id)
    values (new.conversation_id, new.user_id, 'leave', by_user);
    perform chat.notify(jsonb_build_object('c', new.conversation_id, 'u', new.user_id, 'k', 'l'));
  end if;
  return null;
end
$$;
create trigger members_after_change after insert or update of left_at on chat.members
  for each row execute function chat.members_after_change();

create function chat.reactions_after_change() returns trigger
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
declare
  r chat.reactions := coalesce(new, old);
begin
  perform chat.notify(jsonb_build_object('c', r.conversation_id, 's', r.seq, 'k', 'r'));
  return null;
end
$$;
create trigger reactions_after_change after insert or delete on chat.reactions
  for each row execute function chat.reactions_after_change();

------------------------------------------------------------------------------------------------
-- procedures: every write goes through one of these
------------------------------------------------------------------------------------------------

-- CH001: the caller is not a current member of the conversation (or it does not exist): the API
-- answers 404 for both, so a non-member cannot probe which conversations exist.
-- CH002: a member, but not allowed (editing someone else's message, adding members as a plain member).

create function chat.require_member(p_user bigint, p_conversation bigint) returns chat.members
  language plpgsql stable
  set search_path = chat, pg_temp
  as $$
declare
  m chat.members;
begin
  select * into m from chat.members
   where conversation_id = p_conversation and user_id = p_user and left_at is null;
  if not found then
    raise exception 'not a member of this conversation' using errcode = 'CH001', table = 'members',
      schema = 'chat', constraint = 'members_current';
  end if;
  return m;
end
$$;

-- Sends a message. The UPDATE of the conversation row assigns the sequence and holds the row lock
-- until commit: concurrent senders of one conversation queue there, so sequences are gap-free (a
-- rolled-back send rolls its increment back too) and commit in sequence order, which is what lets
-- a subscriber resume "after seq N". Senders of different conversations never wait for each other.
-- p_notify => false: no NOTIFY in this transaction (the caller batches them).
create function chat.send_message(p_sender bigint, p_conversation bigint, p_body text, p_attachments jsonb default '[]', p_notify boolean default true)
  returns chat.messages
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
declare
  v_seq bigint;
  r     chat.messages;
begin
  perform chat.require_member(p_sender, p_conversation);
  perform set_config('chat.notify', case when p_notify then 'on' else 'off' end, true);
  update chat.conversations
     set last_seq = last_seq + 1, last_message_at = now()
   where id = p_conversation
  returning last_seq into v_seq;
  insert into chat.messages (conversation_id, seq, sender_id, body)
  values (p_conversation, v_seq, p_sender, p_body)
  returning * into r;
  insert into chat.attachments (conversation_id, seq, filename, content_type, size_bytes, url)
  select p_conversation, v_seq, a ->> 'filename', a ->> 'contentType', (a ->> 'sizeBytes')::bigint, a ->> 'url'
    from jsonb_array_elements(coalesce(p_attachments, '[]')) a;
  return r;
end
$$;
comment on function chat.send_message(bigint, bigint, text, jsonb, boolean) is 'Sends a message with the next gap-free sequence; CH001 when the sender is not a current member.';

-- Edits a message (its sender only, while not deleted); the previous body goes to message_events.
create function chat.edit_message(p_user bigint, p_conversation bigint, p_seq bigint, p_body text)
  returns chat.messages
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
declare
  old_row chat.messages;
  r       chat.messages;
begin
  perform chat.require_member(p_user, p_conversation);
  select * into old_row from chat.messages where conversation_id = p_conversation and seq = p_seq for no key update;
  if not found or old_row.deleted_at is not null then
    raise exception 'no such message' using errcode = 'CH003', table = 'messages', schema = 'chat';
  end if;
  if old_row.sender_id is distinct from p_user then
    raise exception 'only the sender may edit a message' using errcode = 'CH002', table = 'messages', schema = 'chat',
      constraint = 'messages_edit_by_sender';
  end if;
  insert into chat.message_events (conversation_id, seq, kind, old_body, by_user_id)
  values (p_conversation, p_seq, 'edit', old_row.body, p_user);
  update chat.messages set body = p_body, edited_at = now()
   where conversation_id = p_conversation and seq = p_seq
  returning * into r;
  return r;
end
$$;

-- Deletes a message (its sender, or a group owner/admin): the body moves to message_events, the
-- row stays so the sequence keeps no gap. Takes the conversation row lock first, as sends do, so
-- the unread decrements never interleave with a send's increments in another order (no deadlock)
-- and two deletes of one conversation wait for each other.
create function chat.delete_message(p_user bigint, p_conversation bigint, p_seq bigint)
  returns chat.messages
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
declare
  me      chat.members := chat.require_member(p_user, p_conversation);
  old_row chat.messages;
  r       chat.messages;
begin
  perform 1 from chat.conversations where id = p_conversation for no key update;
  select * into old_row from chat.messages where conversation_id = p_conversation and seq = p_seq for no key update;
  if not found or old_row.deleted_at is not null then
    raise exception 'no such message' using errcode = 'CH003', table = 'messages', schema = 'chat';
  end if;
  if old_row.sender_id is distinct from p_user and me.role not in ('owner', 'admin') then
    raise exception 'only the sender or a group admin may delete a message' using errcode = 'CH002',
      table = 'messages', schema = 'chat', constraint = 'messages_delete_by_sender_or_admin';
  end if;
  insert into chat.message_events (conversation_id, seq, kind, old_body, by_user_id)
  values (p_conversation, p_seq, 'delete', old_row.body, p_user);
  update chat.messages set body = null, deleted_at = now()
   where conversation_id = p_conversation and seq = p_seq
  returning * into r;
  return r;
end
$$;

-- Marks read up to p_upto (clamped to the newest message; a receipt never moves back). The
-- members_before_update trigger recounts the unread messages. One row: O(1) whatever the backlog.
create function chat.mark_read(p_user bigint, p_conversation bigint, p_upto bigint)
  returns chat.members
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
declare
  r chat.members;
begin
  update chat.members m
     set last_read_seq = greatest(m.last_read_seq, least(p_upto, c.last_seq))
    from chat.conversations c
   where c.id = m.conversation_id
     and m.conversation_id = p_conversation and m.user_id = p_user and m.left_at is null
  returning m.* into r;
  if not found then
    raise exception 'not a member of this conversation' using errcode = 'CH001', table = 'members',
      schema = 'chat', constraint = 'members_current';
  end if;
  return r;
end
$$;

-- Marks every conversation of the user read: one UPDATE of their member rows with unread
-- messages, O(conversations), never O(messages). Returns how many conversations changed.
create function chat.mark_all_read(p_user bigint) returns integer
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
declare
  n integer;
begin
  update chat.members m
     set last_read_seq = c.last_seq
    from chat.conversations c,
         (select conversation_id
            from chat.members
           where user_id = p_user and left_at is null
           order by conversation_id
             for no key update) locked
   where c.id = m.conversation_id
     and m.conversation_id = locked.conversation_id
     and m.user_id = p_user and m.left_at is null
     and m.last_read_seq < c.last_seq;
  get diagnostics n = row_count;
  return n;
end
$$;

-- Opens the direct conversation of two users, creating it (with both members) the first time.
-- Concurrent first opens of one pair meet on conversations_direct_pair_key: one inserts, the
-- other's ON CONFLICT waits for it and then finds its row (a new snapshot per statement).
create function chat.open_direct(p_user bigint, p_other bigint, out conversation_id bigint, out created boolean)
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
begin
  if p_user = p_other then
    raise exception 'a direct conversation needs two different users' using errcode = '23514',
      table = 'conversations', schema = 'chat', constraint = 'conversations_direct_shape';
  end if;
  insert into chat.conversations (kind, direct_low, direct_high, created_by)
  values ('direct', least(p_user, p_other), greatest(p_user, p_other), p_user)
  on conflict on constraint conversations_direct_pair_key do nothing
  returning id into conversation_id;
  created := conversation_id is not null;
  if created then
    perform set_config('chat.actor', p_user::text, true);
    insert into chat.members (conversation_id, user_id, role)
    values (open_direct.conversation_id, p_user, 'member'), (open_direct.conversation_id, p_other, 'member');
  else
    select c.id into conversation_id from chat.conversations c
     where c.direct_low = least(p_user, p_other) and c.direct_high = greatest(p_user, p_other);
  end if;
end
$$;

-- Creates a group owned by p_owner with the given members.
create function chat.create_group(p_owner bigint, p_name text, p_members bigint[]) returns bigint
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
declare
  v_id bigint;
begin
  insert into chat.conversations (kind, name, created_by) values ('group', p_name, p_owner) returning id into v_id;
  perform set_config('chat.actor', p_owner::text, true);
  insert into chat.members (conversation_id, user_id, role)
  select v_id, u, case when u = p_owner then 'owner' else 'member' end
    from (select distinct unnest(array_append(coalesce(p_members, '{}'), p_owner)) u) s
   order by u;
  return v_id;
end
$$;

-- Adds (or re-adds) a member to a group; owners and admins only. Takes the conversation row lock,
-- as senders do, and only then reads last_seq: a send in flight commits first and the new member
-- starts after it, or waits for the join and counts the member. Either way the count is exact.
create function chat.add_member(p_actor bigint, p_conversation bigint, p_user bigint, p_role text default 'member')
  returns chat.members
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
declare
  me     chat.members := chat.require_member(p_actor, p_conversation);
  v_last bigint;
  v_kind text;
  r      chat.members;
begin
  select last_seq, kind into v_last, v_kind from chat.conversations where id = p_conversation for no key update;
  if v_kind <> 'group' then
    raise exception 'a direct conversation keeps its two members' using errcode = '23514',
      table = 'conversations', schema = 'chat', constraint = 'conversations_direct_members_fixed';
  end if;
  if me.role not in ('owner', 'admin') then
    raise exception 'only group owners and admins may add members' using errcode = 'CH002',
      table = 'members', schema = 'chat', constraint = 'members_added_by_admin';
  end if;
  perform set_config('chat.actor', p_actor::text, true);
  insert into chat.members (conversation_id, user_id, role, last_read_seq)
  values (p_conversation, p_user, p_role, v_last)
  on conflict on constraint members_pkey do update
     set left_at = null, joined_at = now(), role = excluded.role,
         last_read_seq = greatest(chat.members.last_read_seq, excluded.last_read_seq)
   where chat.members.left_at is not null
  returning * into r;
  if not found then
    select * into r from chat.members where conversation_id = p_conversation and user_id = p_user;
  end if;
  return r;
end
$$;

-- Leaves a group (p_user = p_actor), or removes p_user from it (owners and admins). The member row
-- stays, with left_at, for the history; unread becomes 0 (members_before_update).
create function chat.remove_member(p_actor bigint, p_conversation bigint, p_user bigint)
  returns chat.members
  language plpgsql volatile
  set search_path = chat, pg_temp
  as $$
declare
  me chat.members := chat.require_member(p_actor, p_conversation);
  r  chat.members;
begin
  if (select kind from chat.conversations where id = p_conversation) <> 'group' then
    raise exception 'a direct conversation keeps its two members' using errcode = '23514',
      table = 'conversations', schema = 'chat', constraint = 'conversations_direct_members_fixed';
  end if;
  if p_user <> p_actor and me.role not in ('owner', 'admin') then
    raise exception 'only group owners and admins may remove others' using errcode = 'CH002',
      table = 'members', schema = 'chat', constraint = 'members_removed_by_admin';
  end if;
  perform set_config('chat.actor', p_actor::text, true);
  update chat.members set left_at = now()
   where conversation_id = p_conversation and user_id = p_user and left_at is null
  returning * into r;
  if not found then
    raise exception 'not a member of this conversation' using errcode = 'CH001', table = 'members',
      schema = 'chat', constraint = 'members_current';
  end if;
  return r;
end
$$;

------------------------------------------------------------------------------------------------
-- the inbox as a materialized view (compared with the trigger-kept counters in bench/chat.ts)
------------------------------------------------------------------------------------------------

create materialized view chat.inbox as
select m.user_id,
       m.conversation_id,
       c.kind,
       c.name,
       c.last_seq,
       c.last_message_at,
       lm.sender_id        as last_sender_id,
       left(lm.body, 200)  as last_body,
       (select count(*)
          from chat.messages x
         where x.conversation_id = m.conversation_id
           and x.seq > m.last_read_seq
           and x.deleted_at is null
           and x.sender_id is distinct from m.user_id) as unread_count
  from chat.members m
  join chat.conversations c on c.id = m.conversation_id
  left join chat.messages lm on lm.conversation_id = c.id and lm.seq = c.last_seq
 where m.left_at is null
with no data;
comment on materialized view chat.inbox is 'Each user''s conversations with last message and unread count, computed from the messages: stale between refreshes. The API serves the trigger-kept counters instead (docs/chat.md, "Counters or materialized view").';
-- Required by REFRESH ... CONCURRENTLY, and the lookup of one user's inbox.
create unique index inbox_user_id_conversation_id_key on chat.inbox (user_id, conversation_id);
create index inbox_user_id_last_message_at_idx on chat.inbox (user_id, last_message_at desc);

-- Refreshes the view without blocking its readers. SECURITY DEFINER: REFRESH needs the view's
-- owner, and the request role is not; the function does exactly this and nothing else.
create function chat.refresh_inbox() returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, pg_temp
  as $$
begin
  if not exists (select 1 from pg_catalog.pg_matviews where schemaname = 'chat' and matviewname = 'inbox' and ispopulated) then
    refresh materialized view chat.inbox;
  else
    refresh materialized view concurrently chat.inbox;
  end if;
end
$$;
comment on function chat.refresh_inbox() is 'REFRESH MATERIALIZED VIEW CONCURRENTLY chat.inbox (plainly the first time, when it has no data).';

-------------------------------------------------------------------------------------------------
-- The request role (pggrind_app, migration 000008): the procedures' writes, and reads. DELETE only
-- where a row truly goes away (a reaction taken back); deleted messages are events, members who
-- leave keep their row (left_at) for the history. The inbox view is read, and refreshed only
-- through refresh_inbox(), which nobody else may call.
grant usage on schema chat to pggrind_app;
grant select, insert, update on all tables in schema chat to pggrind_app;
grant delete on chat.reactions to pggrind_app;
revoke execute on function chat.refresh_inbox() from public;
grant execute on function chat.refresh_inbox() to pggrind_app;
