/**
 * `npm run seed:chat [-- --users N --groups N --members-per-group N --messages-per-group N]`:
 * appends demo chat data to DATABASE_URL (else the embedded database that `npm start` uses), with a
 * progress bar. Default 1,000 users, 100 groups of 10, 1,000 messages each (100,000 messages).
 * Every seeded user has the password `password`.
 */
import { parseArgs } from 'node:util';
import { progress } from '../bench/lib.js';
import { defaultSizes, seed } from '../src/lib/chat/seed.js';
import { openDatabase } from '../src/lib/core/database.js';
import { connect } from '../src/lib/core/db.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string' },
    groups: { type: 'string' },
    'members-per-group': { type: 'string' },
    'messages-per-group': { type: 'string' },
  },
});
const num = (v: string | undefined, d: number) => {
  const n = v === undefined ? d : Number(v);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`not a positive integer: ${v}`);
  return n;
};
const sizes = {
  users: num(values.users, defaultSizes.users),
  groups: num(values.groups, defaultSizes.groups),
  membersPerGroup: num(values['members-per-group'], defaultSizes.membersPerGroup),
  messagesPerGroup: num(values['messages-per-group'], defaultSizes.messagesPerGroup),
};
const database = await openDatabase((m) => console.error(m));
const sql = connect(database.url, { max: 1, applicationName: 'pg-grind-seed' });
try {
  const t0 = performance.now();
  const r = await seed(sql, sizes, (done, total) => progress('seeding groups', done, total));
  console.error(
    `seeded users ${r.firstUserId}..${r.lastUserId}, ${r.groupIds.length} groups, ${r.messages.toLocaleString('en-US')} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
} finally {
  await sql.end();
  await database.stop();
}
