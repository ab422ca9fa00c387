/** The process logger (pino, JSON lines; `LOG_LEVEL` sets the level, tests default to silent). */
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Lines are written synchronously (pino's default). An asynchronous destination made no difference
 * to the CPU time per request that `npm run bench:http` could see, and loses lines on a crash.
 */
export function createLogger(): Logger {
  const level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' || process.env.TAP ? 'silent' : 'info');
  return pino({ level, base: { app: 'pg-grind' } });
}
