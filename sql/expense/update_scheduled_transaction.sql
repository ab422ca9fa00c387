-- Replaces a scheduled transaction's fields (YNAB PUT /scheduled_transactions/{id}: the whole
-- SaveScheduledTransaction; the new date restarts the schedule: date_first = date_next = $5).
-- $1 user id, $2 plan id, $3 id, $4 account id, $5 date, $6 frequency (null: 'never'), $7 amount,
-- $8 payee id, $9 category id, $10 memo, $11 flag color ('' or null: none).
-- Returns the id; 0 rows when missing, deleted, or not the user's.
-- @not-null id, knowledge
update expense.scheduled_transactions s
   set account_id  = $4,
       date_first  = $5,
       date_next   = $5,
       frequency   = coalesce($6, 'never'),
       amount      = $7,
       payee_id    = $8,
       category_id = $9,
       memo        = $10,
       flag_color  = nullif($11, '')
  from expense.plans p
 where p.id = s.plan_id and p.id = $2 and p.user_id = $1 and s.id = $3 and not s.deleted
returning s.id, s.knowledge
