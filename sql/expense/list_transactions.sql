-- A plan's transactions in date order, as YNAB TransactionDetail JSON, with the plan's
-- server_knowledge read in the same snapshot. Filters, each optional (null: not applied):
-- $3 since_date (local date, inclusive), $4 type: 'uncategorized' (no category, no split lines,
-- not a transfer) or 'unapproved', $5 account id, $6 category id (the row's, or one of its live
-- split lines'), $7 payee id (likewise), $8 month (its first day: that month only).
-- $1 user id, $2 plan id; $9 limit, $10/$11 the (date, id) of the last row of the previous page.
-- Deleted rows are left out (delta requests use list_transactions_changed).
-- The date range reaches transactions_plan_id_date_idx whatever the other filters: a plan holds a
-- household's rows (thousands a year), so the optional filters stay inside one statement, checked
-- on the rows of that range; a year of one plan reads one index range, whatever the table's size.
-- Returns one row with at most $9 transactions; 0 rows when the plan is not the user's.
-- @not-null transactions, server_knowledge
with p as (
  select id, server_knowledge from expense.plans where id = $2 and user_id = $1
),
page as (
  select d.json, d.date, d.id
    from expense.transaction_details d, p
   where d.plan_id = p.id
     and not d.deleted
     and d.date >= greatest(coalesce($3::date, '1900-01-01'), coalesce($8::date, '1900-01-01'))
     and ($8::date is null or d.date < $8::date + interval '1 month')
     and ($10::date is null or (d.date, d.id) > ($10::date, $11::uuid))
     and ($5::uuid is null or d.account_id = $5)
     and ($6::uuid is null or d.category_id = $6
          or exists (select 1 from expense.subtransactions s
                      where s.transaction_id = d.id and not s.deleted and s.category_id = $6))
     and ($7::uuid is null or d.payee_id = $7
          or exists (select 1 from expense.subtransactions s
                      where s.transaction_id = d.id and not s.deleted and s.payee_id = $7))
     and (case $4::text
            when 'unapproved' then not d.approved
            when 'uncategorized' then d.category_id is null and (d.json->>'transfer_account_id') is null
                 and not exists (select 1 from expense.subtransactions s where s.transaction_id = d.id and not s.deleted)
            else true end)
   order by d.date, d.id
   limit $9
)
select coalesce((select json_agg(page.json order by page.date, page.id) from page), '[]'::json) as transactions,
       p.server_knowledge
  from p
