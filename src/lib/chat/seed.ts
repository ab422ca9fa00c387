/**
 * Bulk demo data for chat: set-based INSERT ... SELECT generate_series (sql/chat/seed_*.sql), in
 * chunks, without NOTIFY (chat.notify = off per chunk). Messages go through the same triggers as
 * real sends, so sequences are gap-free and every unread count is exact after seeding.
 */
import { loadSql, many, transaction, type Db } from '../core/db.js';
import { hashPassword } from '../core/password.js';

const q = loadSql('chat', ['seed_quiet', 'seed_users', 'seed_groups', 'seed_messages', 'seed_reads']);

export interface SeedSizes {
  users: number;
  groups: number;
  membersPerGroup: number;
  messagesPerGroup: number;
  /** Groups per message statement. Default 10. */
  chunk?: number;
  /**
   * Messages per group per statement. Default 100. The unread trigger is a statement trigger over
   * the inserted rows (one UPDATE of the members per statement); each sender's recount reads the
   * statement's later messages, so very large steps cost more per statement, not per message.
   */
  step?: number;
  /** Password of every seeded user. Default `password`. */
  password?: string;
}

export const defaultSizes: SeedSizes = { users: 1000, groups: 100, membersPerGroup: 10, messagesPerGroup: 1000 };

export interface SeedResult {
  firstUserId: string;
  lastUserId: string;
  groupIds: string[];
  messages: number;
}

/** Appends users, groups with members, messages, and random read receipts. */
export async function seed(
  db: Db,
  sizes: SeedSizes,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<SeedResult> {
  if (sizes.membersPerGroup > sizes.users) throw new RangeError('membersPerGroup must not exceed users');
  const hash = await hashPassword(sizes.password ?? 'password');
  const quiet = <T>(fn: (tx: Db) => Promise<T>) =>
    transaction(db, async (tx) => {
      await many(tx, q.seed_quiet);
      return fn(tx);
    });
  const [users] = await quiet((tx) => many(tx, q.seed_users, [sizes.users, hash]));
  const groupIds = (
    await quiet((tx) => many(tx, q.seed_groups, [sizes.groups, sizes.membersPerGroup, users!.first_id, sizes.users]))
  ).map((g) => g.id);
  const chunk = sizes.chunk ?? 10;
  let messages = 0;
  onProgress(0, groupIds.length);
  for (let i = 0; i < groupIds.length; i += chunk) {
    const ids = groupIds.slice(i, i + chunk);
    const step = sizes.step ?? 100;
    await quiet(async (tx) => {
      for (let done = 0; done < sizes.messagesPerGroup; done += step) {
        const [r] = await many(tx, q.seed_messages, [ids, Math.min(step, sizes.messagesPerGroup - done)]);
        messages += Number(r!.messages);
      }
      await many(tx, q.seed_reads, [ids]);
    });
    onProgress(Math.min(i + chunk, groupIds.length), groupIds.length);
  }
  return { firstUserId: users!.first_id, lastUserId: users!.last_id, groupIds, messages };
}
