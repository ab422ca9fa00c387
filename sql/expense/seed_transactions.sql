-- seed_transactions: $3 transactions per plan of the chunk spread evenly over the last $4 days:
-- every 40th an income of about 3,000.000 (uncategorized: Ready to Assign), the rest outflows of
-- 0.100 to 150.000 over the eight categories and twenty payees, 10% on the card; amounts from
-- hashtextextended, so a run is reproducible for a given salt. $1 first user index, $2 users,
-- $5 the run's salt. Runs after seed_parts (its parents). Returns the number of rows.
-- @not-null rows
with ins as (
  insert into expense.transactions (plan_id, account_id, date, amount, payee_id, category_id, cleared, approved)
  select md5($5 || ':p:' || k)::uuid,
         md5($5 || ':a:' || k || ':' || case when i % 10 = 0 then 3 else 1 end)::uuid,
         current_date - ((i::bigint * $4::int) / $3::int)::integer,
         case when i % 40 = 0 then 3000000 + abs(h) % 500000 else -(100 + abs(h) % 150000) end,
         md5($5 || ':y:' || k || ':' || (i % 20))::uuid,
         case when i % 40 = 0 then null else md5($5 || ':c:' || k || ':' || (i % 8))::uuid end,
         case when i % 7 = 0 then 'uncleared' else 'cleared' end,
         true
    from generate_series($1::int, $1::int + $2::int - 1) k,
         generate_series(1, $3::int) i,
         lateral (select hashtextextended(k || ':' || i || ':' || $5, 0) as h) x
   order by k, i
  returning 1
)
select count(*)::bigint as rows from ins
