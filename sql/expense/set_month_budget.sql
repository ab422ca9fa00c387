-- Sets what is budgeted to a category for a month (YNAB PATCH /months/{month}/categories/{id})
-- and bumps the category's knowledge (the touch of categories fires expense.bump_knowledge), so a
-- delta request for categories sees the change.
-- $1 user id, $2 plan id, $3 month (any day: its first day is used), $4 category id, $5 budgeted.
-- Returns the category id and the knowledge; 0 rows when the plan is not the user's or the
-- category is not the plan's (or deleted).
-- @not-null id, knowledge
with c as (
  select c.id, c.plan_id
    from expense.categories c
    join expense.plans p on p.id = c.plan_id
   where p.id = $2 and p.user_id = $1 and c.id = $4 and not c.deleted
),
b as (
  insert into expense.month_budgets (plan_id, category_id, month, budgeted)
  select c.plan_id, c.id, date_trunc('month', $3::date)::date, $5 from c
  on conflict (category_id, month) do update set budgeted = excluded.budgeted
  returning category_id
)
update expense.categories x
   set name = x.name
  from c
 where x.id = c.id
   and exists (select 1 from b)
returning x.id, x.knowledge
