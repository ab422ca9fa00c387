-- set_context: switch the transaction to the request role and the request context.
-- $1 = user id (text, '' for none), $2 = org id (text, '' for none). Returns the three values set.
-- set_config('role', 'saas_app', true) is exactly `set local role saas_app`, in a form that takes
-- parameters, so role and settings cost one round trip; all three end with the transaction, so
-- nothing stays on the pooled connection. current_org_role.sql then tells a member from a stranger.
select set_config('role',         'saas_app', true) as role,
       set_config('saas.user_id', $1::text,   true) as user_id,
       set_config('saas.org_id',  $2::text,   true) as org_id
