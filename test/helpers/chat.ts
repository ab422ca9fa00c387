/** Shared by the chat tests: users made straight in SQL (no scrypt per user), and an SSE reader. */
import type { Pool } from '../../src/lib/core/db.js';

/** `n` users (emails `<prefix><i>@chat.test`); their ids, as strings. */
export async function makeUsers(sql: Pool, n: number, prefix = 'u'): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    insert into chat.users (email, name, password_hash)
    select ${prefix} || i || '@chat.test', 'User ' || ${prefix} || i, 'not-a-hash'
      from generate_series(1, ${n}::int) i
    order by i
    returning id`;
  return rows.map((r) => r.id);
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * Reads an SSE response as the spec parses it (fields per line, events per blank line). `next()`
 * resolves with the next event (comments skipped), or undefined when the stream ended.
 */
export function sseReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const queue: SseEvent[] = [];
  let done = false;
  async function fill() {
    while (!queue.length && !done) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        break;
      }
      buffer += r.value;
      let i: number;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const e: Partial<SseEvent> & { data?: string } = {};
        for (const line of block.split('\n')) {
          if (!line || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') e.id = value;
          else if (field === 'event') e.event = value;
          else if (field === 'data') e.data = e.data === undefined ? value : `${e.data}\n${value}`;
        }
        if (e.data !== undefined)
          queue.push({ event: e.event ?? 'message', data: e.data, ...(e.id ? { id: e.id } : {}) });
      }
    }
  }
  return {
    async next(): Promise<SseEvent | undefined> {
      await fill();
      return queue.shift();
    },
    /** The next event of type `event`, skipping others. */
    async nextOf(event: string): Promise<SseEvent | undefined> {
      for (;;) {
        const e = await this.next();
        if (!e || e.event === event) return e;
      }
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}
