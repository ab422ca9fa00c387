/** Names shared by the test runner (scripts/test.ts) and the test files. */
export const testEnv = {
  /** Connection URL of the `postgres` database on the test server. */
  server: 'PGGRIND_TEST_SERVER',
  /** Name of the migrated template database to clone per test file. */
  template: 'PGGRIND_TEST_TEMPLATE',
  /** pid of the runner: prefixes every database it (and its tests) create, for stale clean-up. */
  runner: 'PGGRIND_TEST_RUNNER',
  /** JSON `{owner?, request?}`: passwords of pggrind_owner and pggrind_app (none on a trust server). */
  passwords: 'PGGRIND_TEST_PASSWORDS',
  /**
   * `postgres://host:port` of a transaction-mode pooler in front of the test server (the pooled
   * suite: PGGRIND_TEST_POOLER=pgbouncer): testDb's request-role `sql`/`url` then go through it.
   */
  pooler: 'PGGRIND_TEST_POOLER_ADDRESS',
} as const;

/** Databases created by a test run are named `pggrind_t_<runner pid>_...`. */
export const testDbPattern = /^pggrind_t_(\d+)_/;
