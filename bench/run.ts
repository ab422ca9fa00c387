/**
 * `npm run bench [-- name ...]`: runs every benchmark in bench/ (or the named ones), one after the
 * other, each in its own process so that one's pools and timers never disturb the next.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/lib/core/paths.js';

const dir = path.join(packageRoot, 'bench');
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !['lib.ts', 'run.ts'].includes(f))
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ') || '(none)'}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : all) {
  console.error(`[bench] ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, `${name}.ts`)], {
    stdio: 'inherit',
    cwd: packageRoot,
  });
  if (r.status !== 0) {
    failed++;
    console.error(`[bench] ${name} failed (exit ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
