/**
 * A small cron matcher, UTC only: 5 fields (minute hour day-of-month month day-of-week) or 6 with
 * seconds first. Fields take `*`, numbers, ranges `a-b`, steps `x/n`, and lists `a,b`; day-of-week
 * 0-7 with 0 and 7 both Sunday. As in classic cron, when both day fields are restricted a day
 * matches if either does.
 */
export interface Cron {
  seconds: Set<number>;
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  daysStar: boolean;
  weekdaysStar: boolean;
  /** true for the 6-field form: ticks every matching second, else every matching minute */
  hasSeconds: boolean;
}

export class CronSyntaxError extends Error {
  override name = 'CronSyntaxError';
}

function field(text: string, min: number, max: number, name: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new CronSyntaxError(`bad ${name} field "${text}"`);
    const step = m[4] === undefined ? 1 : Number(m[4]);
    let lo = min;
    let hi = max;
    if (m[1] !== '*') {
      lo = Number(m[2]);
      hi = m[3] === undefined ? (m[4] === undefined ? lo : max) : Number(m[3]);
    }
    if (step < 1 || lo < min || hi > max || lo > hi) {
      throw new CronSyntaxError(`${name} field "${text}" out of range ${min}-${max}`);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Parses a cron expression; throws CronSyntaxError. */
export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new CronSyntaxError(`expected 5 or 6 fields, got ${parts.length}`);
  }
  const hasSeconds = parts.length === 6;
  const [s, mi, h, d, mo, w] = hasSeconds ? parts : ['0', ...parts];
  const weekdays = field(w!, 0, 7, 'weekday');
  if (weekdays.delete(7)) weekdays.add(0);
  return {
    seconds: field(s!, 0, 59, 'second'),
    minutes: field(mi!, 0, 59, 'minute'),
    hours: field(h!, 0, 23, 'hour'),
    days: field(d!, 1, 31, 'day'),
    months: field(mo!, 1, 12, 'month'),
    weekdays,
    daysStar: d === '*',
    weekdaysStar: w === '*',
    hasSeconds,
  };
}

/** Whether the UTC instant `t` (whole seconds) is a tick of `cron`. */
export function cronMatches(cron: Cron, t: Date): boolean {
  if (!cron.seconds.has(t.getUTCSeconds())) return false;
  if (!cron.minutes.has(t.getUTCMinutes())) return false;
  if (!cron.hours.has(t.getUTCHours())) return false;
  if (!cron.months.has(t.getUTCMonth() + 1)) return false;
  const dayOk = cron.days.has(t.getUTCDate());
  const weekdayOk = cron.weekdays.has(t.getUTCDay());
  if (cron.daysStar || cron.weekdaysStar) return dayOk && weekdayOk;
  return dayOk || weekdayOk;
}

/** The ticks of `cron` in the half-open interval (after, until], oldest first. */
export function cronTicks(cron: Cron, after: Date, until: Date): Date[] {
  const step = cron.hasSeconds ? 1000 : 60_000;
  const out: Date[] = [];
  let t = Math.floor(after.getTime() / step) * step + step;
  for (; t <= until.getTime(); t += step) {
    const d = new Date(t);
    if (cronMatches(cron, d)) out.push(d);
  }
  return out;
}
