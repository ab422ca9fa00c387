-- A plan's accounts with their balances, and the plan's server_knowledge read in the same
-- snapshot (a client that stores it misses nothing at its next delta request).
-- $1 user id, $2 plan id, $3 last_knowledge_of_server (null: every live account; a number: those
-- changed since, deleted ones included). Returns one row: 0 rows when the plan is not the user's.
-- @not-null accounts, server_knowledge
select coalesce((select json_agg(d.json order by d.json->>'name', d.id)
                   from expense.account_details d
                  where d.plan_id = p.id
                    and (case when $3::bigint is null then not d.deleted else d.knowledge > $3 end)),
                '[]'::json) as accounts,
       p.server_knowledge
  from expense.plans p
 where p.id = $2
   and p.user_id = $1
