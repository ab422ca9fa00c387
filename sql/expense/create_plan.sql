-- Creates a plan (a budget) for a user.
-- $1 user id, $2 name, $3 ISO 4217 currency, $4 IANA time zone.
-- Returns the plan. plans_currency_iso_code_check and plans_time_zone_check (a trigger) refuse bad codes.
insert into expense.plans (user_id, name, currency_iso_code, time_zone)
values ($1, $2, $3, $4)
returning id, name, currency_iso_code, time_zone, server_knowledge, last_modified_on
