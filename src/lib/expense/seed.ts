/**
 * Bulk demo data for expense: set-based INSERT ... SELECT generate_series, three statements per
 * chunk of users (sql/expense/seed_plans.sql, seed_parts.sql, seed_transactions.sql) in one
 * transaction, so that the knowledge trigger bumps each plan once per chunk. Run as the
 * connecting user (the table owner): seeding is administration. The default is the issue's
 * size: 1,000 users x 10 years x 1,000 transactions a year = 10,000,000 transactions.
 */
import { randomBytes } from 'node:crypto';
import { loadSql, many, transaction, type Db } from '../core/db.js';
import { hashPassword } from '../core/password.js';

const q = loadSql('expense', ['seed_plans', 'seed_parts', 'seed_transactions', 'seed_analyze']);

export interface SeedSizes {
  users: number;
  years: number;
  transactionsPerYear: number;
  /** Users per transaction. Default 5 (50,000 transactions at the default shape). */
  chunk?: number;
  /** Password of every seeded user (`seed-<salt>-<n>@seed.example`). Default `password`. */
  password?: string;
}

export const defaultSizes: SeedSizes = { users: 1000, years: 10, transactionsPerYear: 1000 };

export interface SeedResult {
  /** The run's salt: seeded e-mails are `seed-<salt>-<n>@seed.example`. */
  salt: string;
  users: number;
  transactions: number;
}

/** Appends `sizes.users` users, each with a plan and its history; then ANALYZEs. */
export async function seed(
  db: Db,
  sizes: SeedSizes,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<SeedResult> {
  const salt = randomBytes(4).toString('hex');
  const hash = await hashPassword(sizes.password ?? 'password', { log2N: 10 });
  const chunk = sizes.chunk ?? 5;
  const perPlan = sizes.years * sizes.transactionsPerYear;
  const days = sizes.years * 365;
  let transactions = 0;
  onProgress(0, sizes.users);
  for (let first = 0; first < sizes.users; first += chunk) {
    const n = Math.min(chunk, sizes.users - first);
    transactions += await transaction(db, async (tx) => {
      await many(tx, q.seed_plans, [first, n, hash, salt]);
      await many(tx, q.seed_parts, [first, n, sizes.years * 12, salt]);
      const [row] = await many(tx, q.seed_transactions, [first, n, perPlan, days, salt]);
      return Number(row!.rows);
    });
    onProgress(first + n, sizes.users);
  }
  await many(db, q.seed_analyze);
  return { salt, users: sizes.users, transactions };
}
