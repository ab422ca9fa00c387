-- Creates a category group. $1 user id, $2 plan id, $3 name.
-- Returns the group and its knowledge; 0 rows when the plan is not the user's.
insert into expense.category_groups (plan_id, name)
select p.id, $3 from expense.plans p where p.id = $2 and p.user_id = $1
returning id, name, hidden, deleted, knowledge
