--! Previous: sha1:70e93b76ea248149ec065a5f4f8c682cf0a51321
--! Hash: sha1:8b89e3c545fed48599485235c2e3eccb5c84fe99
--! Message: expense: plans, accounts, categories, payees, transactions with splits and transfers, budgets, schedules, rates, delta sync

-- Project 3 (expense): a YNAB-style budget. Money is an integer number of milliunits (1/1000 of
-- the currency unit) with its sign, in bigint columns and integer JSON: never a float. Every
-- change to a plan's rows bumps that plan's server_knowledge, so a client asks for what changed
-- since the number it last saw (deleted rows included, as tombstones: nothing a client syncs is
-- hard-deleted). Split lines must sum to their parent and transfers exist only as a mirrored pair:
-- both are deferred constraint triggers, checked at commit, so a transaction may build the rows
-- in several statements.
create schema expense;
comment on schema expense is 'pg-grind project 3: budgets (YNAB model): plans, accounts, categories, payees, transactions with splits and transfers, monthly budgets, scheduled transactions, exchange rates, delta sync.';

-- ---------------------------------------------------------------------------------------- users

create table expense.users (
  id            uuid        not null default gen_random_uuid(),
  email         text        not null,
  password_hash text        not null,
  created_at    timestamptz not null default now(),
  constraint users_pkey primary key (id),
  constraint users_email_check check (length(email) <= 254 and email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  constraint users_password_hash_check check (password_hash like '$scrypt$%')
);
-- One account per mailbox, whatever the case; the row keeps the spelling given.
create unique index users_email_key on expense.users (lower(email));
comment on table expense.users is 'Accounts of people who budget. Deleting one deletes their plans and tokens.';
comment on column expense.users.password_hash is 'PHC-style scrypt string (src/lib/core/password.ts). Never returned.';

create table expense.access_tokens (
  token_hash bytea       not null,
  user_id    uuid        not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  constraint access_tokens_pkey primary key (token_hash),
  constraint access_tokens_token_hash_check check (length(token_hash) = 32),
  -- A token speaks for its user only: it dies with them.
  constraint access_tokens_user_id_fkey foreign key (user_id) references expense.users (id) on delete cascade
);
-- The user cascade.
create index access_tokens_user_id_idx on expense.access_tokens (user_id);
comment on table expense.access_tokens is 'Opaque bearer tokens, like YNAB personal access tokens: only their SHA-256 is stored, so a leaked table grants nothing.';

-- ---------------------------------------------------------------------------------------- plans

create table expense.plans (
  id                uuid        not null default gen_random_uuid(),
  user_id           uuid        not null,
  name              text        not null,
  currency_iso_code text        not null,
  time_zone         text        not null,
  server_knowledge  bigint      not null default 0,
  created_at        timestamptz not null default now(),
  last_modified_on  timestamptz not null default now(),
  constraint plans_pkey primary key (id),
  constraint plans_name_check check (length(btrim(name)) between 1 and 200),
  -- ISO 4217 alphabetic codes: three capital letters.
  constraint plans_currency_iso_code_check check (currency_iso_code ~ '^[A-Z]{3}$'),
  constraint plans_time_zone_length check (length(time_zone) between 1 and 64),
  -- A plan belongs to its user.
  constraint plans_user_id_fkey foreign key (user_id) references expense.users (id) on delete cascade
);
create index plans_user_id_idx on expense.plans (user_id, created_at);
comment on table expense.plans is 'A user''s budget (YNAB "plan"). server_knowledge counts its changes; its row lock orders them (see expense.bump_knowledge).';
comment on column expense.plans.currency_iso_code is 'The currency every report converts to, ISO 4217.';
comment on column expense.plans.time_zone is 'IANA zone; dates of imported timestamps and "this month" are taken in it.';
comment on column expense.plans.server_knowledge is 'Delta-sync counter: every change to the plan''s rows takes the next value (once per transaction).';

-- A CHECK cannot look a name up in pg_timezone_names; this trigger can, and refuses with a
-- constraint name like a CHECK would (23514), instead of failing later in "at time zone" (22023).
create function expense.check_time_zone() returns trigger
  language plpgsql
as $$
begin
  if not exists (select 1 from pg_catalog.pg_timezone_names where name = new.time_zone) then
    raise exception 'unknown time zone'
      using errcode = 'check_violation', constraint = 'plans_time_zone_check', table = 'plans', schema = 'expense';
  end if;
  return new;
end
$$;
create trigger plans_time_zone_check before insert or update of time_zone on expense.plans
  for each row execute function expense.check_time_zone();

-- Every synced row carries `knowledge`: the plan's server_knowledge when it last changed. The
-- first write of a transaction to a plan increments plans.server_knowledge and keeps the row lock
-- until commit, so numbers are handed out in commit order: a client that saw N and later asks for
-- "> N" cannot miss a change committed after its read with a number <= N. Every later row of the
-- same transaction reuses the number (cached in a transaction-local setting, one plan at a time),
-- so a bulk import of 1,000 rows costs one update of the plan, not 1,000. Writes to one plan are
-- thereby serialized; a plan is one household's budget, so that is the right granularity.
create function expense.bump_knowledge() returns trigger
  language plpgsql
as $$
declare
  cached text := current_setting('expense.knowledge', true);
  k      bigint;
begin
  if cached like new.plan_id::text || ':%' then
    k := split_part(cached, ':', 2)::bigint;
  else
    update expense.plans
       set server_knowledge = server_knowledge + 1, last_modified_on = now()
     where id = new.plan_id
    returning server_knowledge into k;
    perform set_config('expense.knowledge', new.plan_id::text || ':' || k, true);
  end if;
  new.knowledge := k;
  return new;
end
$$;
comment on function expense.bump_knowledge() is 'Sets NEW.knowledge to the plan''s next server_knowledge, once per transaction and plan (see the migration).';

-- ---------------------------------------------------------------------------------------- accounts

create table expense.accounts (
  id                uuid    not null default gen_random_uuid(),
  plan_id           uuid    not null,
  name              text    not null,
  type              text    not null,
  on_budget         boolean not null default true,
  closed            boolean not null default false,
  note              text,
  currency_iso_code text    not null,
  transfer_payee_id uuid    not null default gen_random_uuid(),
  deleted           boolean not null default false,
  knowledge         bigint  not null default 0,
  constraint accounts_pkey primary key (id),
  -- Target of the composite foreign keys that keep a transaction inside its plan.
  constraint accounts_plan_id_id_key unique (plan_id, id),
  constraint accounts_name_check check (length(btrim(name)) between 1 and 200),
  constraint accounts_type_check check (type in ('checking', 'savings', 'cash', 'creditCard', 'lineOfCredit',
    'otherAsset', 'otherLiability', 'mortgage', 'autoLoan', 'studentLoan', 'personalLoan', 'medicalDebt', 'otherDebt')),
  constraint accounts_note_check check (length(note) <= 2000),
  constraint accounts_currency_iso_code_check check (currency_iso_code ~ '^[A-Z]{3}$'),
  constraint accounts_plan_id_fkey foreign key (plan_id) references expense.plans (id) on delete cascade
);
create index accounts_plan_id_knowledge_idx on expense.accounts (plan_id, knowledge);
create trigger accounts_knowledge before insert or update on expense.accounts
  for each row execute function expense.bump_knowledge();
comment on table expense.accounts is 'Where money sits. Balances are summed from transactions, never stored. Never hard-deleted by the API (closed, or deleted as a tombstone).';
comment on column expense.accounts.currency_iso_code is 'Currency of the account''s amounts (beyond YNAB); reports convert to the plan''s at each transaction''s date.';
comment on column expense.accounts.transfer_payee_id is 'The payee that means "transfer to this account" (expense.payees row with transfer_account_id = id).';

-- ------------------------------------------------------------------------------------ categories

create table expense.category_groups (
  id        uuid    not null default gen_random_uuid(),
  plan_id   uuid    not null,
  name      text    not null,
  hidden    boolean not null default false,
  deleted   boolean not null default false,
  knowledge bigint  not null default 0,
  constraint category_groups_pkey primary key (id),
  constraint category_groups_plan_id_id_key unique (plan_id, id),
  constraint category_groups_name_check check (length(btrim(name)) between 1 and 200),
  constraint category_groups_plan_id_fkey foreign key (plan_id) references expense.plans (id) on delete cascade
);
create index category_groups_plan_id_knowledge_idx on expense.category_groups (plan_id, knowledge);
create trigger category_groups_knowledge before insert or update on expense.category_groups
  for each row execute function expense.bump_knowledge();
comment on table expense.category_groups is 'Groups of categories ("Bills", "Fun").';

create table expense.categories (
  id                uuid    not null default gen_random_uuid(),
  plan_id           uuid    not null,
  category_group_id uuid    not null,
  name              text    not null,
  note              text,
  hidden            boolean not null default false,
  deleted           boolean not null default false,
  knowledge         bigint  not null default 0,
  constraint categories_pkey primary key (id),
  constraint categories_plan_id_id_key unique (plan_id, id),
  constraint categories_name_check check (length(btrim(name)) between 1 and 200),
  constraint categories_note_check check (length(note) <= 2000),
  -- The group must be in the same plan (composite key); deleting a plan deletes both.
  constraint categories_category_group_id_fkey foreign key (plan_id, category_group_id)
    references expense.category_groups (plan_id, id) on delete cascade
);
create index categories_plan_id_knowledge_idx on expense.categories (plan_id, knowledge);
create index categories_category_group_id_idx on expense.categories (category_group_id);
create trigger categories_knowledge before insert or update on expense.categories
  for each row execute function expense.bump_knowledge();
comment on table expense.categories is 'Envelopes. Budgeted, activity and balance per month are computed (expense.month_budgets and transactions), never stored.';

-- ---------------------------------------------------------------------------------------- payees

create table expense.payees (
  id                  uuid    not null default gen_random_uuid(),
  plan_id             uuid    not null,
  name                text    not null,
  transfer_account_id uuid,
  deleted             boolean not null default false,
  knowledge           bigint  not null default 0,
  constraint payees_pkey primary key (id),
  constraint payees_plan_id_id_key unique (plan_id, id),
  constraint payees_name_check check (length(btrim(name)) between 1 and 200),
  constraint payees_plan_id_fkey foreign key (plan_id) references expense.plans (id) on delete cascade,
  constraint payees_transfer_account_id_fkey foreign key (plan_id, transfer_account_id)
    references expense.accounts (plan_id, id) on delete cascade
);
-- A name is one payee per plan, whatever the case: transactions created with payee_name find it
-- (insert ... on conflict on this index), so two imports naming "ACME" agree on one row.
-- Transfer payees are named after their account ("Transfer : Checking") and never looked up by
-- name, so they are left out: two accounts may share a name.
create unique index payees_name_key on expense.payees (plan_id, lower(name)) where transfer_account_id is null;
create unique index payees_transfer_account_id_key on expense.payees (transfer_account_id);
create index payees_plan_id_knowledge_idx on expense.payees (plan_id, knowledge);
create trigger payees_knowledge before insert or update on expense.payees
  for each row execute function expense.bump_knowledge();
comment on table expense.payees is 'Who was paid or paid us. A payee with transfer_account_id is the "Transfer : <account>" payee of that account.';

-- ---------------------------------------------------------------------------------- transactions

create table expense.transactions (
  id                      uuid        not null default gen_random_uuid(),
  plan_id                 uuid        not null,
  account_id              uuid        not null,
  date                    date        not null,
  amount                  bigint      not null,
  memo                    text,
  cleared                 text        not null default 'uncleared',
  approved                boolean     not null default false,
  flag_color              text,
  payee_id                uuid,
  category_id             uuid,
  transfer_account_id     uuid,
  transfer_transaction_id uuid,
  import_id               text,
  deleted                 boolean     not null default false,
  knowledge               bigint      not null default 0,
  created_at              timestamptz not null default now(),
  constraint transactions_pkey primary key (id),
  -- At most 10^14 milliunits (10^11 units) per row: 90 such rows still sum below 2^53, the
  -- largest integer a JSON number holds exactly.
  constraint transactions_amount_check check (amount between -100000000000000 and 100000000000000),
  constraint transactions_memo_check check (length(memo) <= 500),
  constraint transactions_cleared_check check (cleared in ('cleared', 'uncleared', 'reconciled')),
  constraint transactions_flag_color_check check (flag_color in ('red', 'orange', 'yellow', 'green', 'blue', 'purple')),
  constraint transactions_import_id_check check (length(import_id) between 1 and 36),
  constraint transactions_date_check check (date between '1900-01-01' and '2999-12-31'),
  -- A transfer names both the other account and the mirror row, or neither.
  constraint transactions_transfer_check check ((transfer_account_id is null) = (transfer_transaction_id is null)),
  -- A transfer moves money between two accounts; one to itself would be a pair summing to nothing.
  constraint transactions_transfer_self_check check (transfer_account_id <> account_id),
  -- A transfer between accounts is not spending: only a transfer to or from a tracking account
  -- may carry a category, which the pair check leaves to the statements.
  -- A repeated import is a no-op: one import_id per account, tombstones included (YNAB too: a
  -- deleted imported row is not imported again). NULLs are distinct, so rows without import_id
  -- are unconstrained. Creation uses ON CONFLICT on this constraint.
  constraint transactions_import_id_key unique (account_id, import_id),
  -- Account, category and payee must belong to the transaction's plan: composite keys.
  constraint transactions_account_id_fkey foreign key (plan_id, account_id)
    references expense.accounts (plan_id, id) on delete cascade,
  constraint transactions_category_id_fkey foreign key (plan_id, category_id)
    references expense.categories (plan_id, id) on delete set null (category_id),
  constraint transactions_payee_id_fkey foreign key (plan_id, payee_id)
    references expense.payees (plan_id, id) on delete set null (payee_id),
  constraint transactions_transfer_account_id_fkey foreign key (plan_id, transfer_account_id)
    references expense.accounts (plan_id, id) on delete cascade,
  -- The mirror row of a transfer. Hard deletes only happen with the account or the plan, which
  -- take the mirror with them (cascade from its own account, or from this side).
  constraint transactions_transfer_transaction_id_fkey foreign key (transfer_transaction_id)
    references expense.transactions (id) on delete cascade deferrable initially deferred
);
-- The hot path: a plan's transactions by date (lists with since_date, months, every report).
-- INCLUDE makes the reports index-only where they need only these columns.
create index transactions_plan_id_date_idx on expense.transactions (plan_id, date, id)
  include (account_id, category_id, payee_id, amount, deleted, transfer_account_id);
-- Delta sync: what changed since knowledge N.
create index transactions_plan_id_knowledge_idx on expense.transactions (plan_id, knowledge);
-- By account (lists, running balance, balances); also serves the account cascade.
create index transactions_account_id_date_idx on expense.transactions (account_id, date, id);
create index transactions_category_id_idx on expense.transactions (category_id) where category_id is not null;
create index transactions_payee_id_idx on expense.transactions (payee_id) where payee_id is not null;
create index transactions_transfer_transaction_id_idx on expense.transactions (transfer_transaction_id)
  where transfer_transaction_id is not null;
create trigger transactions_knowledge before insert or update on expense.transactions
  for each row execute function expense.bump_knowledge();
comment on table expense.transactions is 'Money moving in (amount > 0) or out (< 0) of an account, in the account''s currency. Deleting sets deleted (a tombstone for delta sync).';
comment on column expense.transactions.date is 'Local date in the plan''s time zone (an imported timestamp is converted when it arrives).';
comment on column expense.transactions.amount is 'Milliunits with sign: -12340 is an outflow of 12.34.';
comment on column expense.transactions.import_id is 'Set by imports; unique per account (transactions_import_id_key), so importing a file twice creates nothing the second time.';
comment on column expense.transactions.category_id is 'Null: "Inflow: Ready to Assign" for inflows (income), uncategorized for outflows.';
comment on column expense.transactions.knowledge is 'The plan''s server_knowledge when this row last changed.';

create table expense.subtransactions (
  id             uuid    not null default gen_random_uuid(),
  transaction_id uuid    not null,
  plan_id        uuid    not null,
  amount         bigint  not null,
  memo           text,
  payee_id       uuid,
  category_id    uuid,
  deleted        boolean not null default false,
  constraint subtransactions_pkey primary key (id),
  constraint subtransactions_amount_check check (amount between -100000000000000 and 100000000000000),
  constraint subtransactions_memo_check check (length(memo) <= 500),
  -- Lines die with their parent (a hard delete only comes with the account or plan).
  constraint subtransactions_transaction_id_fkey foreign key (transaction_id)
    references expense.transactions (id) on delete cascade,
  constraint subtransactions_category_id_fkey foreign key (plan_id, category_id)
    references expense.categories (plan_id, id) on delete set null (category_id),
  constraint subtransactions_payee_id_fkey foreign key (plan_id, payee_id)
    references expense.payees (plan_id, id) on delete set null (payee_id)
);
create index subtransactions_transaction_id_idx on expense.subtransactions (transaction_id);
create index subtransactions_category_id_idx on expense.subtransactions (category_id) where category_id is not null;
comment on table expense.subtransactions is 'Split lines of a transaction: when it has any (not deleted), they carry the categories and must sum to its amount (transactions_splits_sum). Synced with their parent, whose knowledge the writing statements bump.';

-- Split lines sum to their parent. Deferred to commit, so that lines added in several statements
-- of one transaction are judged together. The parent row is locked first: two transactions adding
-- lines to one parent at once are then checked one after the other, and the second one's sum (a
-- fresh snapshot under READ COMMITTED) includes the first one's lines, so 60 + 60 against 100
-- cannot both commit. FOR NO KEY UPDATE, not FOR UPDATE: each line's foreign key already holds a
-- KEY SHARE lock on the parent, which FOR UPDATE would wait for (two such commits deadlock),
-- while NO KEY UPDATE only waits for the other check. Under REPEATABLE READ the lock raises 40001
-- instead, which transaction() retries.
create function expense.check_splits_sum() returns trigger
  language plpgsql
as $$
declare
  tid   uuid;
  amt   bigint;
  del   boolean;
  n     bigint;
  total numeric;
begin
  if tg_table_name = 'subtransactions' then
    tid := coalesce(new.transaction_id, old.transaction_id);
  else
    tid := new.id;
  end if;
  select t.amount, t.deleted into amt, del from expense.transactions t where t.id = tid for no key update;
  if not found or del then
    return null;
  end if;
  select count(*), coalesce(sum(s.amount), 0) into n, total
    from expense.subtransactions s
   where s.transaction_id = tid and not s.deleted;
  if n > 0 and total <> amt then
    raise exception 'split lines do not sum to the transaction amount'
      using errcode = 'check_violation', constraint = 'transactions_splits_sum', table = 'transactions', schema = 'expense';
  end if;
  return null;
end
$$;
create constraint trigger subtransactions_splits_sum after insert or update or delete on expense.subtransactions
  deferrable initially deferred for each row execute function expense.check_splits_sum();
-- Only a change of the parent's amount (or its undeletion) can break a sum from that side; new
-- parents have no lines yet, so inserts (bulk imports, the seed) queue no event here.
create constraint trigger transactions_splits_sum after update of amount, deleted on expense.transactions
  deferrable initially deferred for each row
  when (new.amount is distinct from old.amount or new.deleted is distinct from old.deleted)
  execute function expense.check_splits_sum();

-- A transfer is two rows that point at each other: the outflow in one account and the inflow in
-- the other, same date, same deleted state, opposite amounts (equal magnitudes when both accounts
-- share a currency; opposite signs otherwise). Checked at commit (deferred), so the pair may be
-- written in one statement or several, and neither row can be left alone.
create function expense.check_transfer_pair() returns trigger
  language plpgsql
as $$
declare
  t  expense.transactions;
  o  expense.transactions;
  ok boolean;
begin
  select * into t from expense.transactions where id = new.id;
  if not found or t.transfer_transaction_id is null then
    return null;
  end if;
  select * into o from expense.transactions where id = t.transfer_transaction_id;
  ok := found
    and o.transfer_transaction_id = t.id
    and o.account_id = t.transfer_account_id
    and o.transfer_account_id = t.account_id
    and o.date = t.date
    and o.deleted = t.deleted
    and sign(o.amount) = -sign(t.amount)
    and (o.amount = -t.amount
         or (select a.currency_iso_code from expense.accounts a where a.id = o.account_id)
            <> (select a.currency_iso_code from expense.accounts a where a.id = t.account_id));
  if not ok then
    raise exception 'a transfer needs its mirror row in the other account'
      using errcode = 'check_violation', constraint = 'transactions_transfer_pair', table = 'transactions', schema = 'expense';
  end if;
  return null;
end
$$;
create constraint trigger transactions_transfer_pair_insert after insert on expense.transactions
  deferrable initially deferred for each row
  when (new.transfer_transaction_id is not null)
  execute function expense.check_transfer_pair();
create constraint trigger transactions_transfer_pair_update after update on expense.transactions
  deferrable initially deferred for each row
  when (new.transfer_transaction_id is not null or old.transfer_transaction_id is not null)
  execute function expense.check_transfer_pair();

-- --------------------------------------------------------------------------------------- budgets

create table expense.month_budgets (
  plan_id     uuid   not null,
  category_id uuid   not null,
  month       date   not null,
  budgeted    bigint not null,
  constraint month_budgets_pkey primary key (category_id, month),
  constraint month_budgets_month_check check (extract(day from month) = 1),
  constraint month_budgets_budgeted_check check (budgeted between -100000000000000 and 100000000000000),
  constraint month_budgets_category_id_fkey foreign key (plan_id, category_id)
    references expense.categories (plan_id, id) on delete cascade
);
create index month_budgets_plan_id_month_idx on expense.month_budgets (plan_id, month) include (category_id, budgeted);
comment on table expense.month_budgets is 'Money assigned to a category for a month (YNAB "budgeted"). The statement that writes it bumps the category''s knowledge.';
comment on column expense.month_budgets.month is 'First day of the month.';

-- ---------------------------------------------------------------------------- scheduled payments

create table expense.scheduled_transactions (
  id          uuid    not null default gen_random_uuid(),
  plan_id     uuid    not null,
  account_id  uuid    not null,
  date_first  date    not null,
  date_next   date    not null,
  frequency   text    not null,
  amount      bigint  not null,
  memo        text,
  flag_color  text,
  payee_id    uuid,
  category_id uuid,
  deleted     boolean not null default false,
  knowledge   bigint  not null default 0,
  constraint scheduled_transactions_pkey primary key (id),
  constraint scheduled_transactions_amount_check check (amount between -100000000000000 and 100000000000000),
  constraint scheduled_transactions_memo_check check (length(memo) <= 500),
  constraint scheduled_transactions_frequency_check check (frequency in ('never', 'daily', 'weekly', 'everyOtherWeek',
    'twiceAMonth', 'every4Weeks', 'monthly', 'everyOtherMonth', 'every3Months', 'every4Months', 'twiceAYear', 'yearly',
    'everyOtherYear')),
  constraint scheduled_transactions_flag_color_check check (flag_color in ('red', 'orange', 'yellow', 'green', 'blue', 'purple')),
  constraint scheduled_transactions_date_next_check check (date_next >= date_first),
  constraint scheduled_transactions_account_id_fkey foreign key (plan_id, account_id)
    references expense.accounts (plan_id, id) on delete cascade,
  constraint scheduled_transactions_category_id_fkey foreign key (plan_id, category_id)
    references expense.categories (plan_id, id) on delete set null (category_id),
  constraint scheduled_transactions_payee_id_fkey foreign key (plan_id, payee_id)
    references expense.payees (plan_id, id) on delete set null (payee_id)
);
create index scheduled_transactions_plan_id_knowledge_idx on expense.scheduled_transactions (plan_id, knowledge);
create trigger scheduled_transactions_knowledge before insert or update on expense.scheduled_transactions
  for each row execute function expense.bump_knowledge();
comment on table expense.scheduled_transactions is 'Recurring transactions: date_next is the next occurrence.';

-- ------------------------------------------------------------------------------- exchange rates

create table expense.exchange_rates (
  plan_id           uuid            not null,
  currency_iso_code text            not null,
  day               date            not null,
  rate              numeric(24, 12) not null,
  constraint exchange_rates_pkey primary key (plan_id, currency_iso_code, day),
  constraint exchange_rates_currency_iso_code_check check (currency_iso_code ~ '^[A-Z]{3}$'),
  -- An exact decimal, never a float; positive.
  constraint exchange_rates_rate_check check (rate > 0),
  constraint exchange_rates_plan_id_fkey foreign key (plan_id) references expense.plans (id) on delete cascade
);
comment on table expense.exchange_rates is 'Plan currency per one unit of currency_iso_code, from day on (until the next row). Reports convert each row at the rate of its date: round(amount * rate), half away from zero.';

-- The amount in the plan's currency at the rate in force on `day`; raises EX001 when there is none
-- (a report must not silently drop or misprice a row). Called only for foreign-currency rows.
create function expense.convert(amount bigint, plan uuid, currency text, day date) returns bigint
  language plpgsql
  stable
as $$
declare
  r numeric;
begin
  select e.rate into r
    from expense.exchange_rates e
   where e.plan_id = plan and e.currency_iso_code = currency and e.day <= convert.day
   order by e.day desc
   limit 1;
  if r is null then
    raise exception 'no exchange rate for this currency on or before this date'
      using errcode = 'EX001', table = 'exchange_rates', schema = 'expense';
  end if;
  return round(amount * r)::bigint;
end
$$;
comment on function expense.convert(bigint, uuid, text, date) is 'amount (milliunits of currency) in the plan''s currency at the rate of day; EX001 when no rate is known.';

-- ------------------------------------------------------------------------------------------ views

-- expense: the two views the statements share, so that a transaction's JSON and the money lines
-- of the reports are written once. Both are plain views: the planner inlines them, so a filter
-- on plan_id and date reaches the indexes of expense.transactions.

-- Every money line of a plan in effect: a transaction without split lines, or each live split
-- line of one (a split's lines carry its categories and payees), never deleted rows. `amount`
-- is in the account's currency; `plan_amount` in the plan's, at the rate of the row's date
-- (expense.convert, only called for foreign-currency rows, and only when a query reads it).
create view expense.money_lines as
select t.plan_id,
       t.id                                 as transaction_id,
       s.id                                 as subtransaction_id,
       t.date,
       t.account_id,
       coalesce(s.payee_id, t.payee_id)     as payee_id,
       coalesce(s.category_id, t.category_id) as category_id,
       t.transfer_account_id,
       a.on_budget,
       coalesce(s.amount, t.amount)         as amount,
       case when a.currency_iso_code = p.currency_iso_code then coalesce(s.amount, t.amount)
            else expense.convert(coalesce(s.amount, t.amount), t.plan_id, a.currency_iso_code, t.date)
       end                                  as plan_amount
  from expense.transactions t
  join expense.accounts a on a.id = t.account_id
  join expense.plans p on p.id = t.plan_id
  left join expense.subtransactions s on s.transaction_id = t.id and not s.deleted
 where not t.deleted;
comment on view expense.money_lines is 'One row per money line in effect (transaction, or each live split line), amounts in the account''s and in the plan''s currency. The reports read it.';

-- A transaction as the YNAB API's TransactionDetail, built once for every statement that
-- returns transactions (list, find, create, update, delete), with its split lines. json, not
-- jsonb: the statements only pass it on, and building json is cheaper (a year of one plan, 1,000
-- rows, aggregated: 18 ms as json, 45 ms as jsonb, on the 2-core development machine).
create view expense.transaction_details as
select t.plan_id,
       t.id,
       t.date,
       t.account_id,
       t.category_id,
       t.payee_id,
       t.knowledge,
       t.deleted,
       t.approved,
       json_build_object(
         'id', t.id,
         'date', to_char(t.date, 'YYYY-MM-DD'),
         'amount', t.amount,
         'memo', t.memo,
         'cleared', t.cleared,
         'approved', t.approved,
         'flag_color', t.flag_color,
         'account_id', t.account_id,
         'account_name', a.name,
         'payee_id', t.payee_id,
         'payee_name', py.name,
         'category_id', t.category_id,
         'category_name', c.name,
         'transfer_account_id', t.transfer_account_id,
         'transfer_transaction_id', t.transfer_transaction_id,
         'matched_transaction_id', null,
         'import_id', t.import_id,
         'deleted', t.deleted,
         'subtransactions', coalesce((
           select json_agg(json_build_object(
                    'id', s.id,
                    'transaction_id', s.transaction_id,
                    'amount', s.amount,
                    'memo', s.memo,
                    'payee_id', s.payee_id,
                    'payee_name', sp.name,
                    'category_id', s.category_id,
                    'category_name', sc.name,
                    'transfer_account_id', null,
                    'transfer_transaction_id', null,
                    'deleted', s.deleted) order by s.id)
             from expense.subtransactions s
             left join expense.payees sp on sp.id = s.payee_id
             left join expense.categories sc on sc.id = s.category_id
            where s.transaction_id = t.id), '[]'::json)
       ) as json
  from expense.transactions t
  join expense.accounts a on a.id = t.account_id
  left join expense.payees py on py.id = t.payee_id
  left join expense.categories c on c.id = t.category_id;
comment on view expense.transaction_details is 'Each transaction with its YNAB TransactionDetail JSON (split lines included, tombstones too).';


-- An account as the YNAB API's Account, with its balances summed from its live transactions
-- (in the account's currency): balance, cleared (cleared or reconciled) and uncleared.
create view expense.account_details as
select a.plan_id,
       a.id,
       a.knowledge,
       a.deleted,
       json_build_object(
         'id', a.id,
         'name', a.name,
         'type', a.type,
         'on_budget', a.on_budget,
         'closed', a.closed,
         'note', a.note,
         'balance', b.balance,
         'cleared_balance', b.cleared,
         'uncleared_balance', b.balance - b.cleared,
         'transfer_payee_id', a.transfer_payee_id,
         'currency_iso_code', a.currency_iso_code,
         'deleted', a.deleted
       ) as json
  from expense.accounts a
  cross join lateral (
    select coalesce(sum(t.amount), 0)::bigint as balance,
           coalesce(sum(t.amount) filter (where t.cleared <> 'uncleared'), 0)::bigint as cleared
      from expense.transactions t
     where t.account_id = a.id
       and not t.deleted
  ) b;
comment on view expense.account_details is 'Each account with its YNAB Account JSON and balances summed from its live transactions.';

-------------------------------------------------------------------------------------------------
-- The request role (pggrind_app, migration 000008). No DELETE on any table: a deleted transaction
-- or scheduled transaction is a tombstone (deleted = true, a new server_knowledge) that delta sync
-- hands to clients, and nothing else is ever removed by a request. No sequence privilege: every
-- id is an identity column or a uuid.
grant usage on schema expense to pggrind_app;
grant select, insert, update on all tables in schema expense to pggrind_app;
