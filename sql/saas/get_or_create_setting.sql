-- get_or_create_setting: the value of setting $1, storing $2 first if the setting does not exist.
-- $1 key (text), $2 value to store when absent (text).
-- Returns one row: value. Runs over the server's own connection, never as saas_app (which has no
-- privilege on saas.settings).
-- "do update" rather than "do nothing": when another process inserts the same key concurrently,
-- do nothing would return no row (the winner's row is not in this statement's snapshot), while
-- do update waits for the winner, locks its row and returns its value. The no-op update is paid
-- once per process start.
insert into saas.settings (key, value)
values ($1::text, $2::text)
    on conflict (key) do update
   set value = saas.settings.value
returning value
