// EXPLAIN proof on a seeded data set (small here: 40 orgs x 2,500 tasks; docs/saas.md shows the
// same plans on 1,000,000 tasks): each tenant-scoped list query, run as the request role under
// RLS with the plan PostgreSQL caches for a prepared statement (the generic plan), is an index
// scan on the intended index (teams are left out: 200 rows fit one page, so a sequential scan is
// the right plan for them), its policy checks are InitPlans (evaluated once per statement, not
// per row), and the keyset cursor is an index condition.
import t from 'tap';
import { testDb } from '../helpers/db.js';
import { loadSql } from '../../src/lib/core/db.js';
import { seed } from '../../src/lib/saas/seed.js';

// Seeding writes every tenant at once, which forced RLS refuses to the request role: superSql seeds.
const { sql, superSql } = await testDb(t, { max: 2 });
const sizes = { orgs: 40, usersPerOrg: 10, teamsPerOrg: 5, projectsPerOrg: 20, tasksPerOrg: 2500 };
const seeded = await seed(superSql, sizes);

const q = loadSql('saas', [
  'list_tasks',
  'list_tasks_by_status',
  'list_tasks_by_assignee',
  'list_project_tasks',
  'list_my_tasks',
  'list_projects',
  'list_members',
  'find_task',
]);
const org = String(Number(seeded.firstOrgId) + 7);
const [ids] =
  await superSql`select (select min(user_id) from saas.memberships where org_id = ${org} and role = 'member')::text as member,
                               (select min(id) from saas.projects where org_id = ${org})::text as project,
                               (select max(id) - 100 from saas.tasks where org_id = ${org})::text as late`;

type Plan = {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  'Parent Relationship'?: string;
  Plans?: Plan[];
};
const nodes = (p: Plan): Plan[] => [p, ...(p.Plans ?? []).flatMap(nodes)];

/** The generic plan of `text` as saas_app with the member's settings; `args` are SQL literals. */
async function plan(name: string, text: string, args: string[]): Promise<Plan> {
  let out!: Plan;
  await sql.begin(async (tx) => {
    await tx`set local role saas_app`;
    await tx`select set_config('saas.user_id', ${ids!.member}, true), set_config('saas.org_id', ${org}, true)`;
    await tx`set local plan_cache_mode = force_generic_plan`;
    await tx.unsafe(`prepare ${name} as ${text}`);
    const [row] = await tx.unsafe(`explain (format json) execute ${name}(${args.join(', ')})`);
    out = row!['QUERY PLAN'][0].Plan;
    await tx.unsafe(`deallocate ${name}`);
  });
  return out;
}

const cases: [string, string, string[], string, string[]][] = [
  // name, sql, args, expected index, columns expected in its Index Cond
  ['list_tasks', q.list_tasks.text, [org, '0', '50'], 'tasks_pkey', ['org_id', 'id']],
  ['list_tasks_page', q.list_tasks.text, [org, ids!.late, '50'], 'tasks_pkey', ['org_id', 'id']],
  [
    'list_tasks_by_status',
    q.list_tasks_by_status.text,
    [org, `'todo'`, ids!.late, '50'],
    'tasks_status_idx',
    ['org_id', 'status', 'id'],
  ],
  [
    'list_tasks_by_assignee',
    q.list_tasks_by_assignee.text,
    [org, ids!.member, 'null', '0', '50'],
    'tasks_assignee_idx',
    ['org_id', 'assignee_id', 'id'],
  ],
  [
    'list_project_tasks',
    q.list_project_tasks.text,
    [org, ids!.project, '0', '50'],
    'tasks_project_idx',
    ['org_id', 'project_id', 'id'],
  ],
  ['list_my_tasks', q.list_my_tasks.text, [org, '0', '50'], 'tasks_assignee_idx', ['org_id', 'assignee_id', 'id']],
  ['find_task', q.find_task.text, [org, ids!.late], 'tasks_pkey', ['org_id', 'id']],
  ['list_projects', q.list_projects.text, [org, 'null', '0', '50'], 'projects_pkey', ['org_id']],
  ['list_members', q.list_members.text, [org, '0', '50'], 'memberships_pkey', ['org_id']],
];

for (const [name, text, args, index, cols] of cases) {
  t.test(`${name}: index scan on ${index}`, async (t) => {
    const all = nodes(await plan(name, text, args));
    t.notOk(
      all.some(
        (n) =>
          n['Node Type'] === 'Seq Scan' &&
          ['tasks', 'projects', 'teams', 'memberships'].includes(n['Relation Name'] ?? ''),
      ),
      'no sequential scan of a tenant table',
    );
    const scan = all.find((n) => n['Index Name'] === index);
    t.ok(scan, `uses ${index}`);
    for (const c of cols) t.match(scan?.['Index Cond'] ?? '', new RegExp(`\\b${c}\\b`), `${c} is an index condition`);
    t.ok(
      all.some((n) => n['Parent Relationship'] === 'InitPlan'),
      'policy helpers run as InitPlans',
    );
    // list_members joins users, whose policy ("yourself, or a member of the current org") is an
    // EXISTS under an OR: one memberships_pkey probe per listed user, a SubPlan by necessity.
    if (name !== 'list_members')
      t.notOk(
        all.some((n) => n['Parent Relationship'] === 'SubPlan'),
        'and never as per-row SubPlans',
      );
  });
}
