-- Creates a scheduled (recurring) transaction. $1 user id, $2 plan id, $3 account id, $4 first
-- date, $5 frequency, $6 amount, $7 payee id, $8 category id, $9 memo, $10 flag color.
-- date_next starts at the first date. Returns the id; 0 rows when the plan is not the user's.
-- @not-null id, knowledge
insert into expense.scheduled_transactions
       (plan_id, account_id, date_first, date_next, frequency, amount, payee_id, category_id, memo, flag_color)
select p.id, $3, $4, $4, coalesce($5, 'never'), $6, $7, $8, $9, nullif($10, '')
  from expense.plans p
 where p.id = $2 and p.user_id = $1
returning id, knowledge
