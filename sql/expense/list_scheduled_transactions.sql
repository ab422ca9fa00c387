-- A plan's scheduled transactions as YNAB ScheduledTransactionDetail JSON, and its knowledge (one
-- snapshot). $1 user id, $2 plan id, $3 last_knowledge_of_server (null: live ones; a number:
-- changed since, tombstones included), $4 one id (null: all).
-- Returns one row; 0 when the plan is not the user's. At most 1,000 (a household's bills).
-- @not-null scheduled_transactions, server_knowledge
select coalesce((select jsonb_agg(jsonb_build_object(
                   'id', s.id, 'date_first', to_char(s.date_first, 'YYYY-MM-DD'),
                   'date_next', to_char(s.date_next, 'YYYY-MM-DD'), 'frequency', s.frequency,
                   'amount', s.amount, 'memo', s.memo, 'flag_color', s.flag_color,
                   'account_id', s.account_id, 'account_name', a.name,
                   'payee_id', s.payee_id, 'payee_name', y.name,
                   'category_id', s.category_id, 'category_name', c.name,
                   'transfer_account_id', y.transfer_account_id, 'deleted', s.deleted,
                   'subtransactions', '[]'::jsonb) order by s.date_next, s.id)
                   from (select * from expense.scheduled_transactions s
                          where s.plan_id = p.id
                            and ($4::uuid is null or s.id = $4)
                            and (case when $3::bigint is null then not s.deleted else s.knowledge > $3 end)
                          order by s.date_next, s.id
                          limit 1000) s
                   join expense.accounts a on a.id = s.account_id
                   left join expense.payees y on y.id = s.payee_id
                   left join expense.categories c on c.id = s.category_id),
                '[]'::jsonb) as scheduled_transactions,
       p.server_knowledge
  from expense.plans p
 where p.id = $2
   and p.user_id = $1
