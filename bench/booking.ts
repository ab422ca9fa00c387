/**
 * `npm run bench:booking`: booking attempts per second under contention. 20 clients, each on its own
 * connection, call createBooking with random 60-minute periods (15-minute grid over 7 days): once all
 * on one resource (every attempt races every other), once spread over 100 resources, once all on the
 * same 8 hours of one resource (a hot spot: nearly everything conflicts). Reports attempts/s, how many
 * were booked and how many refused by bookings_no_overlap (409 in the API), latency percentiles,
 * and checks afterwards, in SQL, that no two active bookings overlap.
 */
import { connect } from '../src/lib/core/db.js';
import * as booking from '../src/lib/booking/index.js';
import { benchServer, freshDatabase, progress, report, type Row } from './lib.js';

const CLIENTS = 20;
const PER_CLIENT = Number(process.env.BENCH_BOOKING_ATTEMPTS ?? 250);

const server = await benchServer();
const rows: Row[] = [];
try {
  const scenarios: { name: string; resources: number; slots: number }[] = [
    { name: 'one resource', resources: 1, slots: 7 * 24 * 4 },
    { name: '100 resources', resources: 100, slots: 7 * 24 * 4 },
    { name: 'hot spot (8 h, one resource)', resources: 1, slots: 8 * 4 },
  ];
  for (const s of scenarios) {
    const db = await freshDatabase(server, 'booking');
    const sql = connect(db.url, { max: CLIENTS, applicationName: 'bench-booking' });
    try {
      const ids: string[] = [];
      for (let i = 0; i < s.resources; i++) {
        ids.push(
          (await booking.createResource(sql, { name: `r${i}`, timeZone: 'Europe/Berlin', bufferAfterMinutes: 15 })).id,
        );
      }
      // Warm the pool: one connection per client, prepared statements aside.
      await Promise.all(Array.from({ length: CLIENTS }, () => sql`select 1`));
      const base = Date.UTC(2030, 0, 7);
      const latencies: number[] = [];
      let booked = 0;
      let conflicts = 0;
      let other = 0;
      let done = 0;
      const total = CLIENTS * PER_CLIENT;
      progress(s.name, 0, total);
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, c) => {
          for (let i = 0; i < PER_CLIENT; i++) {
            const start = base + Math.floor(Math.random() * s.slots) * 15 * 60_000;
            const a = performance.now();
            try {
              await booking.createBooking(sql, {
                resourceId: ids[Math.floor(Math.random() * ids.length)]!,
                customerEmail: `c${c}@bench.example`,
                start: new Date(start),
                end: new Date(start + 3_600_000),
              });
              booked++;
            } catch (err) {
              if (err instanceof booking.BookingConflict) conflicts++;
              else other++;
            }
            latencies.push(performance.now() - a);
            if (++done % 500 === 0) progress(s.name, done, total);
          }
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      progress(s.name, total, total);
      const [check] = await sql<{ n: number }[]>`
        select count(*)::int as n
          from booking.bookings x
          join booking.bookings y on x.resource_id = y.resource_id and x.id < y.id and x.blocked_period && y.blocked_period
         where x.status in ('held', 'pending', 'confirmed') and y.status in ('held', 'pending', 'confirmed')`;
      latencies.sort((a, b) => a - b);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
      rows.push({
        scenario: s.name,
        clients: CLIENTS,
        attempts: total,
        'attempts/s': total / seconds,
        booked,
        conflicts,
        'other errors': other,
        'p50 ms': pct(50),
        'p99 ms': pct(99),
        overlaps: check!.n,
      });
      if (check!.n !== 0 || other !== 0) process.exitCode = 1;
    } finally {
      await sql.end({ timeout: 1 });
      await db.drop();
    }
  }
  report('booking', server, rows, {
    what: 'createBooking (one statement: expire lapsed holds + insert under bookings_no_overlap) through postgres.js, no HTTP',
    clients: CLIENTS,
    attemptsPerClient: PER_CLIENT,
    bookingMinutes: 60,
    bufferAfterMinutes: 15,
  });
} finally {
  await server.stop();
}
