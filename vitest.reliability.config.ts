import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: the properties that must hold under retries, crashes, hostile input and load
 * (issue #12), against PostgreSQL (TEST_DATABASE_URL). RELIABILITY_FULL=1 runs them at full size; without it
 * they run at the bounded size CI can afford.
 */
export default defineConfig({
  test: {
    include: [
      'test/reliability/**/*.test.ts',
      // R4, the authorization matrix: every OpenAPI operation × every role, anonymous, another organization's
      // user and API key, each with exactly the status the permission table gives it.
      'test/foundation/authorization.test.ts',
      // R5, audit tampering: edited, deleted, reordered and truncated events are named by the verifier.
      'test/job-record/audit.test.ts',
      // Security basics: headers and cookie flags, CSRF, sign-in throttling, the password policy, storage
      // keys that cannot leave their folder (the rest is in test/reliability/security.test.ts).
      'test/foundation/auth.test.ts',
      'test/foundation/system.test.ts',
      'test/adapters/storage.test.ts',
    ],
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 300_000,
    env: { TZ: 'UTC' },
  },
});
