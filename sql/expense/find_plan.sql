-- One plan of the user, with its first and last month (see list_plans).
-- $1 user id, $2 plan id. Returns 0 rows when the plan is missing or not the user's.
-- today: the plan's local date, which the current month and the reports' default ranges follow
-- (the HTTP adapter's ETags include it).
-- @not-null first_month, last_month, today
select p.id,
       p.name,
       p.currency_iso_code,
       p.time_zone,
       p.server_knowledge,
       p.last_modified_on,
       to_char(now() at time zone p.time_zone, 'YYYY-MM-DD') as today,
       to_char(coalesce(date_trunc('month', (select min(t.date) from expense.transactions t where t.plan_id = p.id)),
                        date_trunc('month', now() at time zone p.time_zone)), 'YYYY-MM-DD') as first_month,
       to_char(coalesce(date_trunc('month', (select max(t.date) from expense.transactions t where t.plan_id = p.id)),
                        date_trunc('month', now() at time zone p.time_zone)), 'YYYY-MM-DD') as last_month
  from expense.plans p
 where p.id = $2
   and p.user_id = $1
