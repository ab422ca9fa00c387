-- A user's plans, oldest first, with the first and last month that hold transactions.
-- $1 user id. The months come from the (plan_id, date) index: one probe each way.
-- @not-null first_month, last_month
select p.id,
       p.name,
       p.currency_iso_code,
       p.time_zone,
       p.server_knowledge,
       p.last_modified_on,
       to_char(coalesce(date_trunc('month', (select min(t.date) from expense.transactions t where t.plan_id = p.id)),
                        date_trunc('month', now() at time zone p.time_zone)), 'YYYY-MM-DD') as first_month,
       to_char(coalesce(date_trunc('month', (select max(t.date) from expense.transactions t where t.plan_id = p.id)),
                        date_trunc('month', now() at time zone p.time_zone)), 'YYYY-MM-DD') as last_month
  from expense.plans p
 where p.user_id = $1
 order by p.created_at, p.id
 limit 1000
