-- Spending by day of the week (ISO: 1 Monday .. 7 Sunday; always seven rows): total, count and
-- average of the outflows in [since, until] in the plan's currency, transfers left out. The date
-- is already local (the plan's zone), so a Sunday 23:30 purchase is a Sunday.
-- $1 user id, $2 plan id, $3 since, $4 until (defaults as in report_totals).
-- Returns no rows when the plan is not the user's.
-- The range bounds are scalar subqueries of r (init plans), so that they become index conditions
-- of transactions_plan_id_date_idx: a join to r would only filter the plan's whole history.
-- @not-null weekday, total, count, average
with p as (
  select id, time_zone from expense.plans where id = $2 and user_id = $1
),
r as (
  select coalesce($3::date, (date_trunc('month', now() at time zone p.time_zone) - interval '11 months')::date) as since,
         coalesce($4::date, (now() at time zone p.time_zone)::date) as until
    from p
),
w as (
  select extract(isodow from l.date)::integer as weekday, sum(l.plan_amount) as total, count(*) as count
    from expense.money_lines l, p
   where l.plan_id = p.id
     and l.date between (select since from r) and (select until from r)
     and l.transfer_account_id is null
     and l.plan_amount < 0
   group by 1
)
select d.weekday,
       coalesce(w.total, 0)::bigint as total,
       coalesce(w.count, 0) as count,
       coalesce(round(w.total / nullif(w.count, 0)), 0)::bigint as average
  from p
 cross join generate_series(1, 7) d(weekday)
  left join w on w.weekday = d.weekday
 order by d.weekday
