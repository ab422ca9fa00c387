--! Previous: -
--! Hash: sha1:66fa9215b3e5fb5548dae3aab4bc7917f6d6686e
--! Message: todo: todos table

-- Project 1: todo. A single table with the habits every later table copies: an identity key, a
-- CHECKed text column, timestamps kept by a trigger, and a version for optimistic concurrency.
create schema todo;
comment on schema todo is 'Project 1: single-table CRUD with timestamps (Todo-Backend API).';

create table todo.todos (
  id         bigint      generated always as identity,
  title      text        not null,
  completed  boolean     not null default false,
  "order"    integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version    integer     not null default 1,
  constraint todos_pkey primary key (id),
  -- The library trims before writing; the check keeps any other writer honest too.
  constraint todos_title_length check (char_length(btrim(title)) between 1 and 500),
  constraint todos_version_positive check (version > 0)
);
comment on table todo.todos is 'One row per todo item.';
comment on column todo.todos.title is 'What to do: 1 to 500 characters after trimming.';
comment on column todo.todos."order" is 'Client-chosen position (Todo-Backend `order`); null when unset.';
comment on column todo.todos.updated_at is 'Set by trigger todos_touch on every update.';
comment on column todo.todos.version is 'Starts at 1, bumped by trigger todos_touch on every update; the HTTP ETag.';

-- listTodos filtered by completion walks this index in keyset order (completed, id > cursor);
-- the unfiltered list walks the primary key.
create index todos_completed_id_idx on todo.todos (completed, id);

create function todo.touch() returns trigger
  language plpgsql
  as $$
begin
  new.updated_at := now();
  new.version := old.version + 1;
  return new;
end;
$$;
comment on function todo.touch() is 'Keeps updated_at and version current; no writer can forget it.';

create trigger todos_touch
  before update on todo.todos
  for each row execute function todo.touch();
