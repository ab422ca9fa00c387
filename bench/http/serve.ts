/**
 * Child process of bench/http.ts: serves `pg-grind` (createApp from the compiled dist/, with its
 * logger at the default level: request logs are part of the cost) or `bare` (bench/http/bare.ts) on
 * a free port of 127.0.0.1 and reports the port over IPC, then its CPU time whenever asked. Args: kind, database URL.
 * Env: BENCH_POOL_MAX and BENCH_PREPARE (true/false) override connect()'s defaults, for both kinds;
 * BENCH_APPLICATION_NAME names its connections (pg_stat_activity), so that the benchmark finds them.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../src/lib/core/paths.js';
import { bareServer } from './bare.js';

const [kind, url] = process.argv.slice(2);
if (!url || (kind !== 'pg-grind' && kind !== 'bare')) throw new Error('usage: serve.ts pg-grind|bare <database url>');

// The compiled library and app, as `npm start` runs them (typed from src/).
const dist = (file: string) => import(pathToFileURL(path.join(packageRoot, 'dist', file)).href);
const { connect } = (await dist('lib/core/db.js')) as typeof import('../../src/lib/core/db.js');
const { createApp } = (await dist('http/core/app.js')) as typeof import('../../src/http/core/app.js');

const sql = connect(url, {
  applicationName: process.env.BENCH_APPLICATION_NAME ?? `pg-grind-bench-${kind}`,
  ...(process.env.BENCH_POOL_MAX ? { max: Number(process.env.BENCH_POOL_MAX) } : {}),
  ...(process.env.BENCH_PREPARE ? { prepare: process.env.BENCH_PREPARE !== 'false' } : {}),
});
const server: Server = kind === 'bare' ? bareServer(sql) : createApp({ sql }).listen(0, '127.0.0.1');
if (kind === 'bare') server.listen(0, '127.0.0.1');
server.once('listening', () => process.send?.({ port: (server.address() as AddressInfo).port }));
// CPU time used so far (user + system, µs), asked for before and after each measurement.
process.on('message', () => {
  const c = process.cpuUsage();
  process.send?.({ cpu: c.user + c.system });
});
process.on('disconnect', () => process.exit(0));
