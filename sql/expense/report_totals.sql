-- Totals, counts and averages of a plan's money lines per category, per month, per payee and per
-- account, and over all, in ONE pass (GROUPING SETS), amounts in the plan's currency at each row's
-- date. Transfers are left out (moving money is not income or spending); split lines count under
-- their own category and payee. $1 user id, $2 plan id, $3 since, $4 until (local dates,
-- inclusive; null: the first day of the month eleven months ago, and today, in the plan's zone).
-- dimension: 'category' | 'month' | 'payee' | 'account' | 'all'; key: that id or month (null for
-- uncategorized / no payee); average: total / count rounded half away from zero to a milliunit.
-- Returns no rows when the plan is not the user's, else at least the 'all' row.
-- The range bounds are scalar subqueries of r (init plans), so that they become index conditions
-- of transactions_plan_id_date_idx: a join to r would only filter the plan's whole history.
-- @not-null dimension, since, until, total, inflow, outflow, count, average
with p as (
  select id, time_zone from expense.plans where id = $2 and user_id = $1
),
r as (
  select coalesce($3::date, (date_trunc('month', now() at time zone p.time_zone) - interval '11 months')::date) as since,
         coalesce($4::date, (now() at time zone p.time_zone)::date) as until
    from p
),
l as (
  select l.category_id, l.payee_id, l.account_id, date_trunc('month', l.date)::date as month, l.plan_amount
    from expense.money_lines l, p
   where l.plan_id = p.id
     and l.date between (select since from r) and (select until from r)
     and l.transfer_account_id is null
),
g as (
  select case when grouping(l.category_id) = 0 then 'category'
              when grouping(l.month) = 0 then 'month'
              when grouping(l.payee_id) = 0 then 'payee'
              when grouping(l.account_id) = 0 then 'account'
              else 'all' end as dimension,
         l.category_id, l.month, l.payee_id, l.account_id,
         sum(l.plan_amount) as total,
         sum(l.plan_amount) filter (where l.plan_amount > 0) as inflow,
         sum(l.plan_amount) filter (where l.plan_amount < 0) as outflow,
         count(*) as count
    from l
   group by grouping sets ((l.category_id), (l.month), (l.payee_id), (l.account_id), ())
)
select g.dimension,
       coalesce(g.category_id::text, to_char(g.month, 'YYYY-MM-DD'), g.payee_id::text, g.account_id::text) as key,
       coalesce(c.name, y.name, a.name) as name,
       to_char(r.since, 'YYYY-MM-DD') as since,
       to_char(r.until, 'YYYY-MM-DD') as until,
       coalesce(g.total, 0)::bigint as total,
       coalesce(g.inflow, 0)::bigint as inflow,
       coalesce(g.outflow, 0)::bigint as outflow,
       g.count,
       coalesce(round(g.total / nullif(g.count, 0)), 0)::bigint as average
  from r
  cross join g
  left join expense.categories c on g.dimension = 'category' and c.id = g.category_id
  left join expense.payees y on g.dimension = 'payee' and y.id = g.payee_id
  left join expense.accounts a on g.dimension = 'account' and a.id = g.account_id
 order by g.dimension, g.month, coalesce(c.name, y.name, a.name), key
