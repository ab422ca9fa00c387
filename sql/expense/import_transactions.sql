-- Bulk import of a bank file (CSV/OFX-like rows), idempotent: each row gets an import_id, its
-- own (OFX FITID) or, like YNAB's, "YNAB:<amount>:<local date>:<occurrence>" where occurrence
-- counts rows of the same amount and date within the file, so importing the same file again, or
-- a later file that overlaps it, creates nothing twice (ON CONFLICT DO NOTHING on
-- transactions_import_id_key; concurrent imports of one file: the later ones wait, then skip).
-- Timestamps become local dates in the plan's time zone before the import id is formed.
-- $1 user id, $2 plan id, $3 account id, $4 jsonb array of {posted_at | date, amount, payee_name,
-- memo, fitid}. Payees are found or created by name (see create_transactions).
-- Returns one row per created transaction; none when all were known or the plan is not the user's.
with p as (
  select id, time_zone from expense.plans where id = $2 and user_id = $1
),
input as materialized (
  select p.id as plan_id, s.n,
         coalesce((s.v->>'date')::date, ((s.v->>'posted_at')::timestamptz at time zone p.time_zone)::date) as date,
         (s.v->>'amount')::bigint as amount,
         nullif(btrim(s.v->>'payee_name'), '') as payee_name,
         s.v->>'memo' as memo,
         nullif(s.v->>'fitid', '') as fitid
    from p, jsonb_array_elements($4::jsonb) with ordinality s(v, n)
),
keyed as (
  select i.*,
         coalesce(i.fitid, 'YNAB:' || i.amount || ':' || to_char(i.date, 'YYYY-MM-DD') || ':'
                  || row_number() over (partition by i.amount, i.date order by i.n)) as import_id
    from input i
),
names as (
  select distinct on (lower(payee_name)) plan_id, payee_name as name
    from keyed where payee_name is not null
   order by lower(payee_name), payee_name
),
named as (
  insert into expense.payees as y (plan_id, name)
  select plan_id, name from names
  on conflict (plan_id, lower(name)) where transfer_account_id is null do update set name = y.name
  returning y.id, y.name
)
insert into expense.transactions as t (plan_id, account_id, date, amount, memo, payee_id, import_id, cleared)
select k.plan_id, $3, k.date, k.amount, k.memo,
       (select nd.id from named nd where lower(nd.name) = lower(k.payee_name)), k.import_id, 'cleared'
  from keyed k
 order by k.n
on conflict on constraint transactions_import_id_key do nothing
returning t.id, t.import_id, t.knowledge
