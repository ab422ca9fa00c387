-- list_projects: projects of the org, optionally of one team, keyset-paginated.
-- $1 = org id, $2 = team id (null: all), $3 = after id (0: first page), $4 = limit.
select p.id, p.team_id, p.name, p.created_at
  from saas.projects p
 where p.org_id = $1::bigint
   and ($2::bigint is null or p.team_id = $2::bigint)
   and p.id     > $3::bigint
 order by p.id
 limit $4::int
