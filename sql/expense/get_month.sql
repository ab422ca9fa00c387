-- The month summary (YNAB's GET /months/{month}), one statement: income, budgeted, activity and
-- to-be-budgeted of the month, and each live category's budgeted, activity and balance, the
-- balance carrying everything budgeted and spent in that category since the plan began.
-- $1 user id, $2 plan id, $3 month (its first day; null: the current month in the plan's time zone).
-- Definitions (on-budget accounts only, amounts in the plan's currency at each row's date):
--   activity(c, m)  = sum of the lines categorized c dated in m;
--   balance(c, m)   = everything budgeted to c up to m + every activity of c up to m (negative
--                     balances carry over: no YNAB-style reset of overspending);
--   income(m)       = uncategorized inflows in m that are not transfers ("Ready to Assign");
--   to_be_budgeted  = every uncategorized line up to m (inflows, uncategorized outflows, transfers
--                     to tracking accounts; a transfer between two budget accounts sums to zero)
--                     minus everything budgeted up to m. So to_be_budgeted + the sum of the
--                     balances is the money in budget accounts at the month's end, to the milliunit.
-- Returns 0 rows when the plan is not the user's.
-- @not-null month, income, budgeted, activity, to_be_budgeted, categories
with p as (
  select id, time_zone from expense.plans where id = $2 and user_id = $1
),
m as (
  select coalesce($3::date, date_trunc('month', now() at time zone p.time_zone)::date) as month from p
),
-- The plan's money lines up to the month's end, summed per month, category and "is income" at
-- once (a few hundred rows for ten years), so that everything below works on those sums.
lines as (
  select date_trunc('month', l.date)::date as month, l.category_id,
         (l.transfer_account_id is null and l.plan_amount > 0) as inflow,
         sum(l.plan_amount) as plan_amount
    from expense.money_lines l, p
   where l.plan_id = p.id
     and l.on_budget
     and l.date < (select month + interval '1 month' from m)
   group by 1, 2, 3
),
activity as (
  select l.category_id,
         sum(l.plan_amount) filter (where l.month = m.month) as month_total,
         sum(l.plan_amount) as to_date
    from lines l, m
   where l.category_id is not null
   group by l.category_id
),
budgets as (
  select b.category_id,
         sum(b.budgeted) filter (where b.month = m.month) as month_total,
         sum(b.budgeted) as to_date
    from expense.month_budgets b, p, m
   where b.plan_id = p.id
     and b.month <= m.month
   group by b.category_id
),
cats as (
  select c.id, c.category_group_id, g.name as group_name, c.name, c.hidden, c.note, c.deleted,
         coalesce(b.month_total, 0) as budgeted,
         coalesce(a.month_total, 0) as activity,
         coalesce(b.to_date, 0) + coalesce(a.to_date, 0) as balance
    from expense.categories c
    join p on p.id = c.plan_id
    join expense.category_groups g on g.id = c.category_group_id
    left join budgets b on b.category_id = c.id
    left join activity a on a.category_id = c.id
   where not c.deleted
)
select to_char(m.month, 'YYYY-MM-DD') as month,
       coalesce((select sum(l.plan_amount) from lines l
                  where l.month = m.month and l.category_id is null and l.inflow), 0)::bigint as income,
       coalesce((select sum(b.month_total) from budgets b), 0)::bigint as budgeted,
       coalesce((select sum(a.month_total) from activity a), 0)::bigint as activity,
       (coalesce((select sum(l.plan_amount) from lines l where l.category_id is null), 0)
        - coalesce((select sum(b.to_date) from budgets b), 0))::bigint as to_be_budgeted,
       coalesce((select jsonb_agg(jsonb_build_object(
                   'id', c.id, 'category_group_id', c.category_group_id, 'category_group_name', c.group_name,
                   'name', c.name, 'hidden', c.hidden, 'note', c.note,
                   'budgeted', c.budgeted, 'activity', c.activity, 'balance', c.balance,
                   'deleted', c.deleted) order by c.group_name, c.name, c.id)
                   from cats c), '[]'::jsonb) as categories
  from m
