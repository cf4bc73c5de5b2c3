import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: the properties that must hold under retries, crashes, hostile input and load
 * (issue #12), against PostgreSQL (TEST_DATABASE_URL). RELIABILITY_FULL=1 runs them at full size; without it
 * they run at the bounded size CI can afford.
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 300_000,
    env: { TZ: 'UTC' },
  },
});
