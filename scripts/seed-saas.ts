/**
 * `npm run seed:saas [-- --orgs N --tasks-per-org N --users-per-org N --teams-per-org N --projects-per-org N]`:
 * appends demo tenants to the saas schema of DATABASE_URL (a superuser's: RLS would stop any other role; else the embedded database that
 * `npm start` uses), with a progress bar. Default 1,000 orgs x 1,000 tasks = 1,000,000 tasks.
 * Every seeded user is `seed-<id>@seed.example` with password `password`.
 */
import { parseArgs } from 'node:util';
import { progress } from '../bench/lib.js';
import { openDatabase } from '../src/lib/core/database.js';
import { connect } from '../src/lib/core/db.js';
import { defaultSizes, seed } from '../src/lib/saas/seed.js';

const { values } = parseArgs({
  options: {
    orgs: { type: 'string' },
    'users-per-org': { type: 'string' },
    'teams-per-org': { type: 'string' },
    'projects-per-org': { type: 'string' },
    'tasks-per-org': { type: 'string' },
  },
});
const num = (v: string | undefined, d: number) => {
  const n = v === undefined ? d : Number(v);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`not a positive integer: ${v}`);
  return n;
};
const sizes = {
  orgs: num(values.orgs, defaultSizes.orgs),
  usersPerOrg: num(values['users-per-org'], defaultSizes.usersPerOrg),
  teamsPerOrg: num(values['teams-per-org'], defaultSizes.teamsPerOrg),
  projectsPerOrg: num(values['projects-per-org'], defaultSizes.projectsPerOrg),
  tasksPerOrg: num(values['tasks-per-org'], defaultSizes.tasksPerOrg),
};
// As an admin: the seed writes every tenant in one statement, which forced RLS refuses to the request
// role (with DATABASE_URL, give a superuser's URL).
const database = await openDatabase((m) => console.error(m), { as: 'admin' });
const sql = connect(database.url, { max: 1, applicationName: 'pg-grind-seed' });
try {
  const t0 = performance.now();
  const r = await seed(sql, sizes, (done, total) => progress('seeding orgs', done, total));
  console.error(
    `seeded orgs ${r.firstOrgId}..${r.lastOrgId} with ${r.tasks.toLocaleString('en-US')} tasks in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
} finally {
  await sql.end();
  await database.stop();
}
