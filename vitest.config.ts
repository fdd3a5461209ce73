import { defineConfig } from 'vitest/config';

// One run covers unit, ledger, workflow, API and browser tests against the real services. The global
// setup creates a scratch database and one Temporal dev server that every test file joins.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'build/**', 'web/build/**'],
    globalSetup: ['tests/support/global-setup.ts'],
    setupFiles: ['tests/support/env.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
