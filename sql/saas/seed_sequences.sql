-- seed_sequences: move every identity sequence past the ids seed_chunk chose itself
-- (overriding system value), so that later inserts do not collide. No parameters.
select setval(pg_get_serial_sequence('saas.orgs',     'id'), (select max(id) from saas.orgs))     as orgs,
       setval(pg_get_serial_sequence('saas.users',    'id'), (select max(id) from saas.users))    as users,
       setval(pg_get_serial_sequence('saas.teams',    'id'), (select max(id) from saas.teams))    as teams,
       setval(pg_get_serial_sequence('saas.projects', 'id'), (select max(id) from saas.projects)) as projects,
       setval(pg_get_serial_sequence('saas.tasks',    'id'), (select max(id) from saas.tasks))    as tasks
