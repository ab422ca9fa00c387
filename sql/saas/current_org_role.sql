-- current_org_role: the request user's role in the request org (set_context must run first).
-- Returns one row: role (null when not a member or when no context is set).
select (select saas.current_org_role()) as role
