/** Where pg-grind's own files are, both from `src/` (TypeScript loader) and from `dist/` (compiled). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: `src/lib/core/../../..` and `dist/lib/core/../../..` are the same folder. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * pg-grind's data directory: `PGGRIND_DATA_DIR`, else `.data` in the package root. The embedded
 * clusters (`embeddedDefaults` in database.ts) and the generated admin token live under it.
 */
export const dataRoot = () => process.env.PGGRIND_DATA_DIR ?? path.join(packageRoot, '.data');
