-- Creates a payee. $1 user id, $2 plan id, $3 name. payees_name_key refuses a name the plan has.
-- Returns the payee; 0 rows when the plan is not the user's.
insert into expense.payees (plan_id, name)
select p.id, $3 from expense.plans p where p.id = $2 and p.user_id = $1
returning id, name, transfer_account_id, deleted, knowledge
