-- A plan's payees and its server_knowledge, one snapshot. $1 user id, $2 plan id,
-- $3 last_knowledge_of_server (null: live payees; a number: changed since, tombstones included).
-- Returns one row; 0 when the plan is not the user's.
-- @not-null payees, server_knowledge
select coalesce((select jsonb_agg(jsonb_build_object('id', y.id, 'name', y.name,
                                                     'transfer_account_id', y.transfer_account_id,
                                                     'deleted', y.deleted) order by lower(y.name), y.id)
                   from expense.payees y
                  where y.plan_id = p.id
                    and (case when $3::bigint is null then not y.deleted else y.knowledge > $3 end)),
                '[]'::jsonb) as payees,
       p.server_knowledge
  from expense.plans p
 where p.id = $2
   and p.user_id = $1
