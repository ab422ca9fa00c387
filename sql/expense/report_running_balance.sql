-- Running balance per account (a window sum), one point per account and day with transactions
-- in [since, until], each the balance at the end of that day in the account's own currency,
-- everything before `since` included. $1 user id, $2 plan id, $3 since, $4 until (local dates,
-- inclusive; defaults as in report_totals), $5 account id (null: every account).
-- Reads the plan's live rows up to `until` once, from transactions_plan_id_date_idx (its INCLUDE
-- columns make that an index-only scan): those before `since` only summed per account, those in
-- the range per day. The bounds are init plans (scalar subqueries of r), so index conditions.
-- Returns no rows when the plan is not the user's.
-- @not-null account_id, account_name, date, change, balance
with p as (
  select id, time_zone from expense.plans where id = $2 and user_id = $1
),
r as (
  select coalesce($3::date, (date_trunc('month', now() at time zone p.time_zone) - interval '11 months')::date) as since,
         coalesce($4::date, (now() at time zone p.time_zone)::date) as until
    from p
),
-- Each account's balance before the range: one sum per account over the index's INCLUDE
-- columns, instead of grouping ten years into days only to drop them.
opening as (
  select t.account_id, sum(t.amount) as balance
    from expense.transactions t, p
   where t.plan_id = p.id
     and t.date < (select since from r)
     and not t.deleted
     and ($5::uuid is null or t.account_id = $5)
   group by t.account_id
),
daily as (
  select t.account_id, t.date, sum(t.amount) as change
    from expense.transactions t, p
   where t.plan_id = p.id
     and t.date between (select since from r) and (select until from r)
     and not t.deleted
     and ($5::uuid is null or t.account_id = $5)
   group by t.account_id, t.date
),
run as (
  select d.account_id, d.date, d.change,
         coalesce(o.balance, 0) + sum(d.change) over (partition by d.account_id order by d.date) as balance
    from daily d
    left join opening o on o.account_id = d.account_id
)
select run.account_id, a.name as account_name, to_char(run.date, 'YYYY-MM-DD') as date,
       run.change::bigint as change, run.balance::bigint as balance
  from run
  join expense.accounts a on a.id = run.account_id
 order by a.name, run.account_id, run.date
