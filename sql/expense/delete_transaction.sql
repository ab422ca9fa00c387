-- Deletes a transaction: it becomes a tombstone (deleted, a new knowledge) so that delta sync
-- reports it; a transfer's mirror goes with it (the pair check wants both deleted), and its split
-- lines are marked deleted too. $1 user id, $2 plan id, $3 transaction id.
-- Returns the id and knowledge; 0 rows when missing, already deleted, or not the user's.
-- @not-null id, knowledge
with target as (
  select t.id, t.transfer_transaction_id
    from expense.transactions t
    join expense.plans p on p.id = t.plan_id
   where p.id = $2 and p.user_id = $1 and t.id = $3 and not t.deleted
),
gone as (
  update expense.transactions t
     set deleted = true
    from target
   where t.id in (target.id, target.transfer_transaction_id)
  returning t.id, t.knowledge
),
lines as (
  update expense.subtransactions s
     set deleted = true
    from target
   where s.transaction_id = target.id and not s.deleted
)
select g.id, g.knowledge from gone g join target on target.id = g.id
