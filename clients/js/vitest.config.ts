import { defineConfig } from 'vitest/config';

// The tests start real trove-server processes: one file at a time keeps two
// cores from being oversubscribed, and each test gets room for a restart.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: false,
  },
});
