/**
 * Child process of bench/http.ts: the load generator (autocannon), kept out of the servers'
 * processes so that it never competes with them on their event loop. Takes one job at a time over
 * IPC and answers with the figures. Ids rotate over the seeded range, so that concurrent PATCHes do
 * not queue on one row lock and GETs do not read one cached row.
 */
import autocannon from 'autocannon';

export interface LoadJob {
  url: string;
  connections: number;
  seconds: number;
  method: 'GET' | 'POST' | 'PATCH';
  /** Path; `:id` is replaced by the next id of [firstId, lastId], round-robin. */
  path: string;
  body?: unknown;
  firstId: number;
  lastId: number;
}

export interface LoadResult {
  /** Wall time of the run, ms. */
  ms: number;
  requests: number;
  /** Every response time, ms (sub-millisecond precision): slices are merged before percentiles. */
  latencies: number[];
  errors: number;
  timeouts: number;
  non2xx: number;
}

async function load(job: LoadJob): Promise<LoadResult> {
  let next = job.firstId;
  const span = job.lastId - job.firstId + 1;
  const body = job.body === undefined ? undefined : JSON.stringify(job.body);
  const latencies: number[] = [];
  const started = performance.now();
  let done!: (r: autocannon.Result) => void;
  let failed!: (err: Error) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const instance = autocannon(
    {
      url: job.url,
      connections: job.connections,
      duration: job.seconds,
      requests: [
        {
          method: job.method,
          ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}),
          setupRequest: (req) => {
            if (!job.path.includes(':id')) return { ...req, path: job.path };
            const id = next;
            next = job.firstId + ((next - job.firstId + 1) % span);
            return { ...req, path: job.path.replace(':id', String(id)) };
          },
        },
      ],
    },
    (err, result) => (err ? failed(err as Error) : done(result)),
  );
  // The instance emits (client, status, bytes, ms); @types/autocannon documents the client's event.
  (instance as unknown as NodeJS.EventEmitter).on(
    'response',
    (_client: unknown, _status: number, _bytes: number, ms: number) => {
      latencies.push(ms);
    },
  );
  const r = await finished;
  return {
    ms: performance.now() - started,
    requests: r.requests.total,
    latencies,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
  };
}

process.on('message', (job: LoadJob) => {
  load(job).then(
    (result) => process.send?.({ result }),
    (err: Error) => process.send?.({ error: err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
