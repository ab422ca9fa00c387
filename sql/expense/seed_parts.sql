-- seed_parts: the accounts (checking, savings, card, each with its transfer payee), one category
-- group with eight categories, twenty payees and a budget per category for each of the last $3
-- months, for the chunk's plans (seed_plans made them). $1 first user index, $2 users, $3 months
-- of history, $4 the run's salt. The foreign keys are checked at the end of the statement, after
-- every CTE has inserted. Returns the number of plans.
-- @not-null plans
with u as (
  select k, md5($4 || ':p:' || k)::uuid as plan_id
    from generate_series($1::int, $1::int + $2::int - 1) k
), accounts as (
  insert into expense.accounts (id, plan_id, name, type, currency_iso_code, transfer_payee_id)
  select md5($4 || ':a:' || k || ':' || a)::uuid, plan_id,
         (array['Checking', 'Savings', 'Card'])[a], (array['checking', 'savings', 'creditCard'])[a], 'USD',
         md5($4 || ':ta:' || k || ':' || a)::uuid
    from u, generate_series(1, 3) a
), transfer_payees as (
  insert into expense.payees (id, plan_id, name, transfer_account_id)
  select md5($4 || ':ta:' || k || ':' || a)::uuid, plan_id,
         'Transfer : ' || (array['Checking', 'Savings', 'Card'])[a], md5($4 || ':a:' || k || ':' || a)::uuid
    from u, generate_series(1, 3) a
), groups as (
  insert into expense.category_groups (id, plan_id, name)
  select md5($4 || ':g:' || k)::uuid, plan_id, 'Everyday' from u
), categories as (
  insert into expense.categories (id, plan_id, category_group_id, name)
  select md5($4 || ':c:' || k || ':' || c)::uuid, plan_id, md5($4 || ':g:' || k)::uuid,
         (array['Groceries', 'Rent', 'Transport', 'Utilities', 'Dining', 'Health', 'Fun', 'Gifts'])[c + 1]
    from u, generate_series(0, 7) c
), payees as (
  insert into expense.payees (id, plan_id, name)
  select md5($4 || ':y:' || k || ':' || y)::uuid, plan_id, 'Payee ' || y
    from u, generate_series(0, 19) y
), budgets as (
  insert into expense.month_budgets (plan_id, category_id, month, budgeted)
  select plan_id, md5($4 || ':c:' || k || ':' || c)::uuid,
         (date_trunc('month', current_date) - make_interval(months => m))::date,
         (c + 1) * 50000
    from u, generate_series(0, 7) c, generate_series(0, $3::int - 1) m
)
select count(*)::integer as plans from u
