/**
 * The `pg-grind` command (bin: dist/cli/pg-grind.js). Commands get their connection from flags or
 * DATABASE_URL only, never from a `.gmrc`, so they behave the same from any folder: the repo, or the
 * project of a user who installed pg-grind. Exit codes: 0 done, 1 failed, 2 usage error.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { databaseName, migrate } from '../lib/core/migrate.js';
import { packageRoot } from '../lib/core/paths.js';

export interface Io {
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
}

const usage = `usage: pg-grind <command> [options]

commands:
  migrate    create the database if missing, then apply pg-grind's committed migrations
  help       print this text; \`pg-grind <command> --help\` describes a command

options:
  -h, --help     print this text
  -v, --version  print pg-grind's version`;

const migrateUsage = `usage: pg-grind migrate [--database-url URL] [--no-create]

Brings a database up to date with the schema every pg-grind library expects: creates it when it
does not exist (through the server's \`postgres\` database, which needs the CREATEDB privilege), then
applies each committed migration it lacks, in order, each in its own transaction. Running it again
applies nothing. Run it as the role that is to own pg-grind's objects, never as the role requests use
(README, "Roles").

options:
  --database-url URL  the database to migrate (default: MIGRATION_DATABASE_URL, else DATABASE_URL)
  --no-create         do not create the database: fail when it does not exist
  -h, --help          print this text`;

const version = () =>
  (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** Runs `pg-grind <args>`; resolves to the process exit code. */
export async function main(args: string[], io: Io): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'migrate':
      return migrateCommand(rest, io);
    case 'help':
    case '-h':
    case '--help':
      io.out(usage);
      return 0;
    case '-v':
    case '--version':
      io.out(version());
      return 0;
    default:
      io.err(
        command === undefined ? 'pg-grind: no command given' : `pg-grind: unknown command ${JSON.stringify(command)}`,
      );
      io.err(usage);
      return 2;
  }
}

async function migrateCommand(args: string[], io: Io): Promise<number> {
  let values: { 'database-url'?: string; 'no-create'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        'database-url': { type: 'string' },
        'no-create': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err(`pg-grind migrate: ${(err as Error).message}`);
    io.err(migrateUsage);
    return 2;
  }
  if (values.help) {
    io.out(migrateUsage);
    return 0;
  }
  const url = values['database-url'] ?? io.env.MIGRATION_DATABASE_URL ?? io.env.DATABASE_URL;
  if (!url) {
    io.err('pg-grind migrate: no database: pass --database-url URL or set MIGRATION_DATABASE_URL');
    io.err(migrateUsage);
    return 2;
  }
  let name: string;
  try {
    name = databaseName(url);
  } catch {
    // The URL itself is not echoed: it may carry a password.
    io.err('pg-grind migrate: the database URL is not a valid URL (expected postgres://user@host:port/database)');
    return 2;
  }
  try {
    const result = await migrate(url, { createDatabase: !values['no-create'], log: io.err });
    if (result.created) io.out(`created database ${name}`);
    for (const file of result.applied) io.out(`applied ${file}`);
    io.out(
      result.applied.length
        ? `${name}: ${result.applied.length} migration${result.applied.length === 1 ? '' : 's'} applied, now at ${result.current}`
        : `${name}: already up to date${result.current ? ` at ${result.current}` : ''}`,
    );
    return 0;
  } catch (err) {
    const code = (err as { code?: string }).code;
    io.err(`pg-grind migrate: ${(err as Error).message}${code ? ` (${code})` : ''}`);
    return 1;
  }
}
