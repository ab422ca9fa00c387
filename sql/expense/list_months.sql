-- Every month of a plan from its first transaction or budget to the later of its last one and
-- the current month, each with income, budgeted, activity and to-be-budgeted as get_month defines
-- them (one statement: window sums carry to_be_budgeted across months). Also the plan's knowledge.
-- $1 user id, $2 plan id. Returns 0 rows when the plan is not the user's; at most 1,200 months.
-- @not-null month, income, budgeted, activity, to_be_budgeted, server_knowledge
with p as (
  select id, time_zone, server_knowledge from expense.plans where id = $2 and user_id = $1
),
per_month as (
  select date_trunc('month', l.date)::date as month,
         sum(l.plan_amount) filter (where l.category_id is null and l.transfer_account_id is null
                                      and l.plan_amount > 0) as income,
         sum(l.plan_amount) filter (where l.category_id is not null) as activity,
         sum(l.plan_amount) filter (where l.category_id is null) as uncategorized
    from expense.money_lines l, p
   where l.plan_id = p.id and l.on_budget
   group by 1
),
budgeted as (
  select b.month, sum(b.budgeted) as budgeted
    from expense.month_budgets b, p
   where b.plan_id = p.id
   group by b.month
),
bounds as (
  select least(min(x.month), date_trunc('month', now() at time zone p.time_zone)::date) as first,
         greatest(max(x.month), date_trunc('month', now() at time zone p.time_zone)::date) as last
    from p, (select month from per_month union all select month from budgeted) x
   group by p.time_zone
),
months as (
  select g::date as month
    from p, bounds, generate_series(bounds.first, bounds.last, interval '1 month') g
   limit 1200
)
select to_char(ms.month, 'YYYY-MM-DD') as month,
       coalesce(pm.income, 0)::bigint as income,
       coalesce(b.budgeted, 0)::bigint as budgeted,
       coalesce(pm.activity, 0)::bigint as activity,
       (sum(coalesce(pm.uncategorized, 0) - coalesce(b.budgeted, 0)) over (order by ms.month))::bigint as to_be_budgeted,
       p.server_knowledge
  from p
 cross join months ms
  left join per_month pm on pm.month = ms.month
  left join budgeted b on b.month = ms.month
 order by ms.month
