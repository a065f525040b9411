import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure (domain/, dags/) and needs nothing running;
// `integration` shares one real Temporal dev server + MinIO started by the global setup.
export default defineConfig({
  test: {
    // Integration files share one Temporal server and MinIO; each uses its own task queue and key
    // prefix, so files may run in parallel, but 2 cores favour a small fork count.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/global-stack.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
        },
      },
    ],
  },
});
