-- Creates transactions in bulk (YNAB POST /transactions, one or many), in one statement:
--   - payee_name without payee_id finds or creates the payee (ON CONFLICT DO UPDATE on
--     payees_name_key returns the row even when a concurrent import created it after this
--     statement's snapshot; DO NOTHING would not, and the line would lose its payee);
--   - a payee_id that is an account's transfer payee makes the row a transfer: its mirror is
--     inserted in that account (amount negated, or transfer_amount when the currencies differ);
--   - an import_id already present in the account (tombstones included) skips the row, and its
--     mirror and lines with it: ON CONFLICT DO NOTHING on transactions_import_id_key. Ten
--     connections importing one file at once create each row once: the later inserts wait for
--     the first one's commit and then skip;
--   - split lines are inserted for the rows created. Their sum, and each transfer pair, are
--     checked at commit (deferred constraint triggers), so the caller runs this in a transaction.
-- date, or else posted_at (a timestamp) taken as a date in the plan's time zone: an expense at
-- 23:30 local time on the 31st is dated the 31st, whatever UTC says.
-- $1 user id, $2 plan id, $3 the rows (jsonb array of objects: account_id, date | posted_at,
-- amount, payee_id, payee_name, category_id, memo, cleared, approved, flag_color, import_id,
-- transfer_amount, subtransactions [{amount, payee_id, payee_name, category_id, memo}]).
-- Returns one row per created transaction (n: its 1-based position in $3); none when every row
-- was a duplicate, or when the plan is not the user's (the caller tells these apart).
-- @not-null id, n, knowledge
with p as (
  select id, time_zone from expense.plans where id = $2 and user_id = $1
),
input as materialized (
  select gen_random_uuid() as id,
         gen_random_uuid() as mirror_id,
         s.n,
         p.id as plan_id,
         (s.v->>'account_id')::uuid as account_id,
         coalesce((s.v->>'date')::date, ((s.v->>'posted_at')::timestamptz at time zone p.time_zone)::date) as date,
         (s.v->>'amount')::bigint as amount,
         (s.v->>'transfer_amount')::bigint as transfer_amount,
         (s.v->>'payee_id')::uuid as payee_id,
         nullif(btrim(s.v->>'payee_name'), '') as payee_name,
         (s.v->>'category_id')::uuid as category_id,
         s.v->>'memo' as memo,
         coalesce(s.v->>'cleared', 'uncleared') as cleared,
         coalesce((s.v->>'approved')::boolean, false) as approved,
         nullif(s.v->>'flag_color', '') as flag_color,
         s.v->>'import_id' as import_id,
         s.v->'subtransactions' as subs
    from p, jsonb_array_elements($3::jsonb) with ordinality s(v, n)
),
sub_input as materialized (
  select i.id as transaction_id, i.plan_id, ss.k,
         (ss.v->>'amount')::bigint as amount,
         (ss.v->>'payee_id')::uuid as payee_id,
         nullif(btrim(ss.v->>'payee_name'), '') as payee_name,
         (ss.v->>'category_id')::uuid as category_id,
         ss.v->>'memo' as memo
    from input i, jsonb_array_elements(coalesce(i.subs, '[]'::jsonb)) with ordinality ss(v, k)
),
names as (
  select distinct on (lower(x.name)) x.plan_id, x.name
    from (select plan_id, payee_name as name from input where payee_id is null and payee_name is not null
          union all
          select plan_id, payee_name from sub_input where payee_id is null and payee_name is not null) x
   order by lower(x.name), x.name
),
named as (
  insert into expense.payees as y (plan_id, name)
  select plan_id, name from names
  on conflict (plan_id, lower(name)) where transfer_account_id is null do update set name = y.name
  returning y.id, y.name
),
rows as (
  select i.*,
         coalesce(i.payee_id, (select nd.id from named nd where lower(nd.name) = lower(i.payee_name))) as resolved_payee_id,
         tp.transfer_account_id
    from input i
    left join expense.payees tp on tp.id = i.payee_id and tp.plan_id = i.plan_id and tp.transfer_account_id is not null
),
created as (
  insert into expense.transactions as t
         (id, plan_id, account_id, date, amount, memo, cleared, approved, flag_color, payee_id, category_id,
          transfer_account_id, transfer_transaction_id, import_id)
  select r.id, r.plan_id, r.account_id, r.date, r.amount, r.memo, r.cleared, r.approved, r.flag_color,
         r.resolved_payee_id, r.category_id, r.transfer_account_id,
         case when r.transfer_account_id is not null then r.mirror_id end, r.import_id
    from rows r
   order by r.n
  on conflict on constraint transactions_import_id_key do nothing
  returning t.id, t.transfer_account_id, t.knowledge
),
mirrors as (
  insert into expense.transactions
         (id, plan_id, account_id, date, amount, memo, cleared, approved, payee_id, transfer_account_id,
          transfer_transaction_id)
  select r.mirror_id, r.plan_id, r.transfer_account_id, r.date, coalesce(r.transfer_amount, -r.amount), r.memo,
         'uncleared', false, a.transfer_payee_id, r.account_id, r.id
    from rows r
    join created c on c.id = r.id
    join expense.accounts a on a.id = r.account_id
   where r.transfer_account_id is not null
),
lines as (
  insert into expense.subtransactions (transaction_id, plan_id, amount, memo, payee_id, category_id)
  select si.transaction_id, si.plan_id, si.amount, si.memo,
         coalesce(si.payee_id, (select nd.id from named nd where lower(nd.name) = lower(si.payee_name))),
         si.category_id
    from sub_input si
    join created c on c.id = si.transaction_id
   order by si.transaction_id, si.k
)
select c.id, r.n::integer as n, c.knowledge
  from created c
  join rows r on r.id = c.id
 order by r.n
