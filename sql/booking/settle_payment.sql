-- Settles a pending payment as the provider reports it: pending -> succeeded or failed.
-- $1 provider reference, $2 the reported status ('succeeded' or 'failed').
-- Returns the payment and `changed`: true when this call moved it, false when it was no longer
-- pending (a redelivered callback, or a contradicting one: the caller compares the status). No row:
-- no payment has this reference.
-- `for update` serializes two deliveries of one event: the second waits, then reads the first's
-- status from the locked row (target's columns, not a second read of the table, which would see the
-- statement's older snapshot) and changes nothing. payments_check_balance still refuses a success
-- above the balance due (23514 payments_not_over_balance), so the confirm rule stays in the database.
-- @not-null id, booking_id, amount_minor, currency, status, provider_reference, created_at, changed
with target as (
  select p.id, p.booking_id, p.amount_minor, p.currency, p.status, p.provider_reference, p.created_at
    from booking.payments p
   where p.provider_reference = $1::text
     for update
), moved as (
  update booking.payments p
     set status = $2::booking.payment_status
    from target t
   where p.id = t.id
     and t.status = 'pending'
  returning p.id, p.booking_id, p.amount_minor, p.currency, p.status, p.provider_reference, p.created_at
)
select m.id, m.booking_id, m.amount_minor, m.currency, m.status, m.provider_reference, m.created_at,
       true as changed
  from moved m
 union all
select t.id, t.booking_id, t.amount_minor, t.currency, t.status, t.provider_reference, t.created_at,
       false
  from target t
 where not exists (select 1 from moved)
