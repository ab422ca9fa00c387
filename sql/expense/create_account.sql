-- Opens an account with its transfer payee and, when the balance is not zero, a cleared
-- "Starting Balance" inflow (uncategorized: Ready to Assign) dated today in the plan's time zone.
-- $1 user id, $2 plan id, $3 name, $4 type, $5 starting balance (milliunits), $6 currency (null:
-- the plan's), $7 on budget (null: by type, as YNAB: loans and other assets/liabilities are tracking).
-- Returns the account's JSON and the plan's knowledge; 0 rows when the plan is not the user's.
-- The balance is the starting balance: the statement's own inserts are not visible to it.
-- @not-null json, server_knowledge
with p as (
  select id, currency_iso_code, time_zone from expense.plans where id = $2 and user_id = $1
),
acct as (
  insert into expense.accounts (plan_id, name, type, on_budget, currency_iso_code)
  select p.id, $3, $4,
         coalesce($7, $4 in ('checking', 'savings', 'cash', 'creditCard', 'lineOfCredit')),
         coalesce($6, p.currency_iso_code)
    from p
  returning *
),
payee as (
  insert into expense.payees (id, plan_id, name, transfer_account_id)
  select acct.transfer_payee_id, acct.plan_id, 'Transfer : ' || acct.name, acct.id from acct
),
opening as (
  insert into expense.transactions (plan_id, account_id, date, amount, memo, cleared, approved)
  select acct.plan_id, acct.id, (now() at time zone p.time_zone)::date, $5, 'Starting Balance', 'cleared', true
    from acct, p
   where $5::bigint <> 0
)
select jsonb_build_object(
         'id', a.id, 'name', a.name, 'type', a.type, 'on_budget', a.on_budget, 'closed', a.closed,
         'note', a.note, 'balance', $5::bigint,
         'cleared_balance', $5::bigint, 'uncleared_balance', 0,
         'transfer_payee_id', a.transfer_payee_id, 'currency_iso_code', a.currency_iso_code, 'deleted', a.deleted
       ) as json,
       a.knowledge as server_knowledge
  from acct a
