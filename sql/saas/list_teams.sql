-- list_teams: teams of the org, keyset-paginated. $1 = org id, $2 = after id (0: first page), $3 = limit.
select t.id, t.name, t.created_at
  from saas.teams t
 where t.org_id = $1::bigint
   and t.id     > $2::bigint
 order by t.id
 limit $3::int
