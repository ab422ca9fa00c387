-- Records exchange rates for a plan: plan currency per one unit of each currency, from each day
-- on (a row for the same currency and day is replaced). $1 user id, $2 plan id, $3 jsonb array of
-- {currency_iso_code, date, rate} with rate a decimal string ("1.0825"), never a float.
-- Returns the rows written; none when the plan is not the user's.
insert into expense.exchange_rates as e (plan_id, currency_iso_code, day, rate)
select p.id, r.v->>'currency_iso_code', (r.v->>'date')::date, (r.v->>'rate')::numeric
  from expense.plans p, jsonb_array_elements($3::jsonb) r(v)
 where p.id = $2 and p.user_id = $1
on conflict (plan_id, currency_iso_code, day) do update set rate = excluded.rate
returning e.currency_iso_code, to_char(e.day, 'YYYY-MM-DD') as day, e.rate::text as rate
