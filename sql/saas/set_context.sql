-- set_context: switch the transaction to the request role and request context.
-- $1 = user id (text, '' for none), $2 = org id (text, '' for none).
-- set_config('role', 'saas_app', true) is `set local role saas_app` in a form that takes
-- parameters, so role and settings cost one round trip; all three end with the transaction.
-- Returns the caller's role in that org (null: not a member, or no org) so the library can
-- answer 404 for an org the caller cannot see before running anything else.
select set_config('role',         'saas_app', true)                       as role_set,
       set_config('saas.user_id', $1::text,   true)                       as user_id,
       set_config('saas.org_id',  $2::text,   true)                       as org_id
