import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Browser and heap tests start real servers and Chromium; two cores do not like many at once.
    maxWorkers: 2,
  },
});
