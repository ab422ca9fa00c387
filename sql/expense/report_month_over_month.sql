-- Month-over-month spending per category and for all categories together: each month of
-- [since, until] (no gaps: a month without rows is 0), its total in the plan's currency, and the
-- change from the month before (window lag over a gap-free series, so the previous row is the
-- previous month). Transfers are left out. $1 user id, $2 plan id, $3 since, $4 until (defaults as
-- in report_totals). category_id null with is_total: the all-categories series.
-- Returns no rows when the plan is not the user's.
-- The range bounds are scalar subqueries of r (init plans), so that they become index conditions
-- of transactions_plan_id_date_idx: a join to r would only filter the plan's whole history.
-- @not-null is_total, month, total, change
with p as (
  select id, time_zone from expense.plans where id = $2 and user_id = $1
),
r as (
  select date_trunc('month', coalesce($3::date, (date_trunc('month', now() at time zone p.time_zone) - interval '11 months')::date))::date as since,
         coalesce($4::date, (now() at time zone p.time_zone)::date) as until
    from p
),
months as (
  -- constant bounds, so the planner estimates 120 months rather than generate_series' default
  -- 1,000 (whose cross join with the series made the estimate large enough to trigger JIT, 55 ms
  -- of compilation for a 7 ms query); a range is therefore at most ten years long.
  select (r.since + make_interval(months => n))::date as month
    from r, generate_series(0, 119) n
   where r.since + make_interval(months => n) <= r.until
),
l as (
  select l.category_id, date_trunc('month', l.date)::date as month, l.plan_amount
    from expense.money_lines l, p
   where l.plan_id = p.id
     and l.date between (select since from r) and (select until from r)
     and l.transfer_account_id is null
),
per as (
  select grouping(l.category_id) = 1 as is_total, l.category_id, l.month, sum(l.plan_amount) as total,
         -- one text key per series ('*' all, '-' uncategorized), so the join below is a hash join
         -- on equality rather than a nested loop on IS NOT DISTINCT FROM
         case when grouping(l.category_id) = 1 then '*' else coalesce(l.category_id::text, '-') end as series
    from l
   group by grouping sets ((l.category_id, l.month), (l.month))
),
series as (
  select k.is_total, k.category_id, m.month, coalesce(per.total, 0) as total
    from (select distinct is_total, category_id, series from per) k
   cross join months m
    left join per on per.series = k.series and per.month = m.month
)
select s.is_total, s.category_id, c.name as category_name, to_char(s.month, 'YYYY-MM-DD') as month,
       s.total::bigint as total,
       (s.total - coalesce(lag(s.total) over (partition by s.is_total, s.category_id order by s.month), 0))::bigint as change
  from series s
  left join expense.categories c on c.id = s.category_id
 order by s.is_total desc, c.name, s.category_id, s.month
