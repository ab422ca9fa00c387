-- Creates a category in a group of the same plan (categories_category_group_id_fkey: a group of
-- another plan is a 23503). $1 user id, $2 plan id, $3 group id, $4 name, $5 note.
-- Returns the category and its knowledge; 0 rows when the plan is not the user's.
insert into expense.categories (plan_id, category_group_id, name, note)
select p.id, $3, $4, $5 from expense.plans p where p.id = $2 and p.user_id = $1
returning id, category_group_id, name, note, hidden, deleted, knowledge
