/**
 * Bulk demo data for saas: set-based INSERT ... SELECT generate_series, one statement per chunk
 * of orgs (sql/saas/seed_chunk.sql), run as the connecting user (the table owner), not as the
 * request role: seeding is administration. 1,000 orgs x 1,000 tasks took 16 s on PostgreSQL 15
 * on the 2-core development machine.
 */
import { exec, loadSql, many, type Db } from '../core/db.js';
import { hashPassword } from '../core/password.js';

const q = loadSql('saas', ['seed_bases', 'seed_chunk', 'seed_sequences', 'seed_analyze']);

export interface SeedSizes {
  orgs: number;
  usersPerOrg: number;
  teamsPerOrg: number;
  projectsPerOrg: number;
  tasksPerOrg: number;
  /** Orgs per statement. Default 20 (20,000 tasks at the default shape). */
  chunk?: number;
  /** Password of every seeded user (`seed-<id>@seed.example`). Default `password`. */
  password?: string;
}

export const defaultSizes: SeedSizes = {
  orgs: 1000,
  usersPerOrg: 10,
  teamsPerOrg: 5,
  projectsPerOrg: 20,
  tasksPerOrg: 1000,
};

export interface SeedResult {
  firstOrgId: string;
  lastOrgId: string;
  tasks: number;
}

/** Appends `sizes.orgs` orgs with their users, teams, projects and tasks, then ANALYZEs. */
export async function seed(
  db: Db,
  sizes: SeedSizes,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<SeedResult> {
  if (sizes.usersPerOrg < 3) throw new RangeError('usersPerOrg must be at least 3 (owner, admin, viewer)');
  const chunk = sizes.chunk ?? 20;
  const hash = await hashPassword(sizes.password ?? 'password');
  // Ids continue after the current maxima; the sequences are moved past them at the end.
  const [base] = await many(db, q.seed_bases);
  onProgress(0, sizes.orgs);
  for (let s = 0; s < sizes.orgs; s += chunk) {
    const n = Math.min(chunk, sizes.orgs - s);
    await exec(db, q.seed_chunk, [
      s,
      n,
      sizes.usersPerOrg,
      sizes.teamsPerOrg,
      sizes.projectsPerOrg,
      sizes.tasksPerOrg,
      hash,
      base!.o,
      base!.u,
      base!.t,
      base!.p,
      base!.k,
    ]);
    onProgress(s + n, sizes.orgs);
  }
  await many(db, q.seed_sequences);
  await exec(db, q.seed_analyze);
  return {
    firstOrgId: String(BigInt(base!.o) + 1n),
    lastOrgId: String(BigInt(base!.o) + BigInt(sizes.orgs)),
    tasks: sizes.orgs * sizes.tasksPerOrg,
  };
}
