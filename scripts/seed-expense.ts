/**
 * `npm run seed:expense [-- --users N --years N --per-year N]`: appends demo budgets to the expense
 * schema of DATABASE_URL (else the embedded database that `npm start` uses), with a progress bar.
 * Default 1,000 users x 10 years x 1,000 transactions a year = 10,000,000 transactions.
 * Every seeded user is `seed-<salt>-<n>@seed.example` with password `password`.
 */
import { parseArgs } from 'node:util';
import { progress } from '../bench/lib.js';
import { openDatabase } from '../src/lib/core/database.js';
import { connect } from '../src/lib/core/db.js';
import { defaultSizes, seed } from '../src/lib/expense/seed.js';

const { values } = parseArgs({
  options: { users: { type: 'string' }, years: { type: 'string' }, 'per-year': { type: 'string' } },
});
const num = (v: string | undefined, d: number) => {
  const n = v === undefined ? d : Number(v);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`not a positive integer: ${v}`);
  return n;
};
const sizes = {
  users: num(values.users, defaultSizes.users),
  years: num(values.years, defaultSizes.years),
  transactionsPerYear: num(values['per-year'], defaultSizes.transactionsPerYear),
};
// As an admin: the seed ends with ANALYZE, which only a table's owner (or a superuser) may run.
const database = await openDatabase((m) => console.error(m), { as: 'admin' });
const sql = connect(database.url, { max: 1, applicationName: 'pg-grind-seed' });
try {
  const t0 = performance.now();
  const r = await seed(sql, sizes, (done, total) => progress('seeding users', done, total));
  console.error(
    `seeded ${r.users} users (seed-${r.salt}-<n>@seed.example) with ${r.transactions.toLocaleString('en-US')} transactions in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
} finally {
  await sql.end();
  await database.stop();
}
