-- One account of a plan, with balances. $1 user id, $2 plan id, $3 account id.
-- Returns 0 rows when the plan is not the user's or has no such account.
-- @not-null json
select d.json
  from expense.account_details d
  join expense.plans p on p.id = d.plan_id
 where p.id = $2
   and p.user_id = $1
   and d.id = $3
