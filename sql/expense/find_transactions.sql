-- Transactions by id, as YNAB TransactionDetail JSON, with the plan's server_knowledge (one
-- snapshot): what create_transactions and update_transaction return, read in their transaction.
-- $1 user id, $2 plan id, $3 ids (uuid[]). Returns one row; 0 when the plan is not the user's.
-- @not-null transactions, server_knowledge
select coalesce((select json_agg(d.json order by d.date, d.id)
                   from expense.transaction_details d
                  where d.plan_id = p.id and d.id = any($3::uuid[])), '[]'::json) as transactions,
       p.server_knowledge
  from expense.plans p
 where p.id = $2
   and p.user_id = $1
