-- Changes one transaction (YNAB PUT /transactions/{id}); fields absent from $4 are kept
-- (`$4 ? 'memo'` tells "set to null" from "absent"). A transfer's mirror follows its date, its
-- amount (negated, same currency) and its memo, in the same statement. Given subtransactions
-- replace the live split lines (the old ones become tombstones); their sum is checked at commit.
-- $1 user id, $2 plan id, $3 transaction id, $4 the changes (jsonb object: account_id is not
-- movable here, date, amount, payee_id, category_id, memo, cleared, approved, flag_color,
-- subtransactions). Returns the id and knowledge; 0 rows when missing, deleted or not the user's.
-- @not-null id, knowledge
with target as (
  select t.*
    from expense.transactions t
    join expense.plans p on p.id = t.plan_id
   where p.id = $2 and p.user_id = $1 and t.id = $3 and not t.deleted
     for update of t
),
changed as (
  update expense.transactions t
     set date        = coalesce(($4::jsonb->>'date')::date, t.date),
         amount      = coalesce(($4::jsonb->>'amount')::bigint, t.amount),
         payee_id    = case when $4::jsonb ? 'payee_id' then ($4::jsonb->>'payee_id')::uuid else t.payee_id end,
         category_id = case when $4::jsonb ? 'category_id' then ($4::jsonb->>'category_id')::uuid else t.category_id end,
         memo        = case when $4::jsonb ? 'memo' then $4::jsonb->>'memo' else t.memo end,
         cleared     = coalesce($4::jsonb->>'cleared', t.cleared),
         approved    = coalesce(($4::jsonb->>'approved')::boolean, t.approved),
         flag_color  = case when $4::jsonb ? 'flag_color' then nullif($4::jsonb->>'flag_color', '') else t.flag_color end
    from target
   where t.id = target.id
  returning t.id, t.date, t.amount, t.memo, t.knowledge, t.transfer_transaction_id
),
mirror as (
  update expense.transactions m
     set date   = c.date,
         amount = case when ma.currency_iso_code = ca.currency_iso_code then -c.amount else m.amount end,
         memo   = c.memo
    from changed c, target tg, expense.accounts ma, expense.accounts ca
   where m.id = c.transfer_transaction_id
     and ma.id = m.account_id
     and ca.id = tg.account_id
),
retired as (
  update expense.subtransactions s
     set deleted = true
    from changed c
   where s.transaction_id = c.id
     and not s.deleted
     and $4::jsonb ? 'subtransactions'
),
lines as (
  insert into expense.subtransactions (transaction_id, plan_id, amount, memo, payee_id, category_id)
  select c.id, $2, (ss.v->>'amount')::bigint, ss.v->>'memo', (ss.v->>'payee_id')::uuid, (ss.v->>'category_id')::uuid
    from changed c, jsonb_array_elements(coalesce($4::jsonb->'subtransactions', '[]'::jsonb)) with ordinality ss(v, k)
   order by ss.k
)
select c.id, c.knowledge from changed c
