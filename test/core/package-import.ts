// The libraries as a user's project meets them: `import ... from 'pg-grind/<project>'` resolved by
// package name through package.json `exports`, run by plain Node (compiled dist/, no TS loader),
// and type-checked by tsc from the emitted .d.ts files.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { packageRoot } from '../../src/lib/core/paths.js';
import { testDb } from '../helpers/db.js';

const run = promisify(execFile);
const { url } = await testDb(t);

t.test('plain node imports pg-grind/todo by name and uses it', async (t) => {
  // Inside the package, Node resolves its own name through `exports` (self-reference).
  const script = `
    import postgres from 'postgres';
    import { createTodo, getTodo } from 'pg-grind/todo';
    import { NotFound } from 'pg-grind/errors';
    const sql = postgres(process.env.URL);
    const todo = await createTodo(sql, { title: 'from plain node' });
    const again = await getTodo(sql, todo.id);
    let notFound = false;
    try { await getTodo(sql, 987654); } catch (e) { notFound = e instanceof NotFound; }
    console.log(JSON.stringify({ title: again.title, notFound, resolved: import.meta.resolve('pg-grind/todo') }));
    await sql.end();
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: packageRoot,
    env: { ...process.env, URL: url, NODE_OPTIONS: '' },
  });
  const out = JSON.parse(stdout) as { title: string; notFound: boolean; resolved: string };
  t.equal(out.title, 'from plain node');
  t.ok(out.notFound, 'typed errors cross the package boundary');
  t.match(out.resolved, /\/dist\/lib\/todo\/index\.js$/, 'resolved to compiled JS, not a .ts file');
});

t.test('every export of package.json loads by name from plain node, with its .d.ts present', async (t) => {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types: string; default: string }>;
  };
  const entries = Object.entries(pkg.exports).filter(([, v]) => typeof v === 'object') as [
    string,
    { types: string; default: string },
  ][];
  t.ok(entries.length >= 5, 'projects and shared helpers are exported');
  const names = entries.map(([k]) => `pg-grind${k.slice(1)}`);
  const script = `for (const n of ${JSON.stringify(names)}) { const m = await import(n); if (!Object.keys(m).length) throw new Error(n + ' exports nothing'); } console.log('ok')`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: packageRoot,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  t.equal(stdout.trim(), 'ok', names.join(', '));
  for (const [name, target] of entries)
    t.ok(existsSync(path.join(packageRoot, target.types)), `${name}: ${target.types}`);
});

t.test('a TypeScript consumer type-checks against the emitted .d.ts', async (t) => {
  const dir = mkdtempSync(path.join(packageRoot, 'dist', 'consumer-'));
  t.teardown(() => import('node:fs').then((fs) => fs.rmSync(dir, { recursive: true, force: true })));
  writeFileSync(
    path.join(dir, 'consumer.ts'),
    `
    import postgres from 'postgres';
    import { createTodo, type Todo } from 'pg-grind/todo';
    const sql = postgres();
    const todo: Todo = await createTodo(sql, { title: 'typed' });
    const completed: boolean = todo.completed;
    const created: Date = todo.created_at;
    // @ts-expect-error: no such column, so the row type is real, not any
    todo.colour;
    // @ts-expect-error: title must be a string
    await createTodo(sql, { title: 5 });
    export { completed, created };
  `,
  );
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      files: ['consumer.ts'],
    }),
  );
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = await run(process.execPath, [tsc, '-p', dir], { cwd: dir }).then(
    () => 'ok',
    (e: { stdout: string }) => e.stdout,
  );
  t.equal(result, 'ok', 'tsc accepts the consumer (and its @ts-expect-error lines prove the types are strict)');
});
