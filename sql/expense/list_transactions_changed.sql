-- Delta sync: a plan's transactions changed since knowledge $3 (deleted ones included, as
-- tombstones with deleted: true), in knowledge order, and the plan's server_knowledge in the same
-- snapshot. A statement of its own (not a filter of list_transactions) so that it reads
-- transactions_plan_id_knowledge_idx: a client that synced a minute ago reads a handful of
-- index entries, not a date range.
-- $1 user id, $2 plan id, $3 last_knowledge_of_server, $4 account id (null: all), $5 limit.
-- Returns one row; 0 rows when the plan is not the user's.
-- @not-null transactions, server_knowledge
with p as (
  select id, server_knowledge from expense.plans where id = $2 and user_id = $1
),
page as (
  select d.json, d.knowledge, d.id
    from expense.transaction_details d, p
   where d.plan_id = p.id
     and d.knowledge > $3
     and ($4::uuid is null or d.account_id = $4)
   order by d.knowledge, d.id
   limit $5
)
select coalesce((select json_agg(page.json order by page.knowledge, page.id) from page), '[]'::json) as transactions,
       p.server_knowledge
  from p
