-- Budget against actual per live category and month of [since, until]: budgeted, activity (the
-- on-budget lines of the category, plan currency) and remaining = budgeted + activity (activity
-- is negative for spending). Every category gets every month (0 where nothing happened).
-- $1 user id, $2 plan id, $3 since, $4 until (defaults as in report_totals).
-- Returns no rows when the plan is not the user's.
-- The range bounds are scalar subqueries of r (init plans), so that they become index conditions
-- of transactions_plan_id_date_idx: a join to r would only filter the plan's whole history.
-- @not-null category_id, category_name, month, budgeted, activity, remaining
with p as (
  select id, time_zone from expense.plans where id = $2 and user_id = $1
),
r as (
  select date_trunc('month', coalesce($3::date, (date_trunc('month', now() at time zone p.time_zone) - interval '11 months')::date))::date as since,
         coalesce($4::date, (now() at time zone p.time_zone)::date) as until
    from p
),
months as (
  -- constant bounds, so the planner estimates 120 months rather than generate_series' default
  -- 1,000 (whose cross join with the series made the estimate large enough to trigger JIT, 55 ms
  -- of compilation for a 7 ms query); a range is therefore at most ten years long.
  select (r.since + make_interval(months => n))::date as month
    from r, generate_series(0, 119) n
   where r.since + make_interval(months => n) <= r.until
),
act as (
  select l.category_id, date_trunc('month', l.date)::date as month, sum(l.plan_amount) as activity
    from expense.money_lines l, p
   where l.plan_id = p.id
     and l.on_budget
     and l.category_id is not null
     and l.date >= (select since from r)
     and l.date < (select date_trunc('month', until) + interval '1 month' from r)
   group by 1, 2
),
bud as (
  select b.category_id, b.month, b.budgeted
    from expense.month_budgets b, p
   where b.plan_id = p.id and b.month between (select since from r) and (select until from r)
)
select c.id as category_id, c.name as category_name, to_char(m.month, 'YYYY-MM-DD') as month,
       coalesce(bud.budgeted, 0)::bigint as budgeted,
       coalesce(act.activity, 0)::bigint as activity,
       (coalesce(bud.budgeted, 0) + coalesce(act.activity, 0))::bigint as remaining
  from p
  join expense.categories c on c.plan_id = p.id and not c.deleted
 cross join months m
  left join bud on bud.category_id = c.id and bud.month = m.month
  left join act on act.category_id = c.id and act.month = m.month
 order by c.name, c.id, m.month
