-- A plan's category groups with their categories, each with budgeted, activity and balance of the
-- current month in the plan's time zone (the figures get_month defines), and the plan's knowledge,
-- one snapshot. $1 user id, $2 plan id, $3 last_knowledge_of_server (null: live groups and
-- categories; a number: groups and categories changed since, tombstones included).
-- Returns one row; 0 when the plan is not the user's.
-- @not-null category_groups, server_knowledge
with p as (
  select id, time_zone, server_knowledge from expense.plans where id = $2 and user_id = $1
),
m as (
  select date_trunc('month', now() at time zone p.time_zone)::date as month from p
),
activity as (
  select l.category_id,
         sum(l.plan_amount) filter (where l.date >= m.month) as month_total,
         sum(l.plan_amount) as to_date
    from expense.money_lines l, p, m
   where l.plan_id = p.id and l.on_budget and l.category_id is not null
     and l.date < m.month + interval '1 month'
   group by l.category_id
),
budgets as (
  select b.category_id,
         sum(b.budgeted) filter (where b.month = m.month) as month_total,
         sum(b.budgeted) as to_date
    from expense.month_budgets b, p, m
   where b.plan_id = p.id and b.month <= m.month
   group by b.category_id
),
cats as (
  select c.category_group_id,
         jsonb_build_object(
           'id', c.id, 'category_group_id', c.category_group_id, 'category_group_name', g.name,
           'name', c.name, 'hidden', c.hidden, 'note', c.note,
           'budgeted', coalesce(b.month_total, 0), 'activity', coalesce(a.month_total, 0),
           'balance', coalesce(b.to_date, 0) + coalesce(a.to_date, 0), 'deleted', c.deleted) as json,
         c.name, c.id
    from expense.categories c
    join p on p.id = c.plan_id
    join expense.category_groups g on g.id = c.category_group_id
    left join budgets b on b.category_id = c.id
    left join activity a on a.category_id = c.id
   where case when $3::bigint is null then not c.deleted else c.knowledge > $3 end
)
select coalesce((select jsonb_agg(jsonb_build_object(
                   'id', g.id, 'name', g.name, 'hidden', g.hidden, 'deleted', g.deleted,
                   'categories', coalesce((select jsonb_agg(c.json order by c.name, c.id)
                                             from cats c where c.category_group_id = g.id), '[]'::jsonb))
                   order by g.name, g.id)
                   from expense.category_groups g
                  where g.plan_id = p.id
                    and (case when $3::bigint is null then not g.deleted
                              else g.knowledge > $3
                                   or exists (select 1 from cats c where c.category_group_id = g.id) end)),
                '[]'::jsonb) as category_groups,
       p.server_knowledge
  from p
