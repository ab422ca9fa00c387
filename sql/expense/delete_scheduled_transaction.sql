-- Deletes a scheduled transaction (a tombstone for delta sync). $1 user id, $2 plan id, $3 id.
-- Returns the id; 0 rows when missing, already deleted, or not the user's.
-- @not-null id, knowledge
update expense.scheduled_transactions s
   set deleted = true
  from expense.plans p
 where p.id = s.plan_id and p.id = $2 and p.user_id = $1 and s.id = $3 and not s.deleted
returning s.id, s.knowledge
