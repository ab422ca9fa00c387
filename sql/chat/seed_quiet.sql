-- seed_quiet: no NOTIFY for the rest of this transaction (chat.notify = off): a seed must not
-- flood the listeners of a running server. No parameters. Returns one row.
select set_config('chat.notify', 'off', true) as notify;
