import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Adapter tests start real processes; two workers match the 2-core machines we run on.
    pool: 'forks',
    maxWorkers: 2,
  },
});
