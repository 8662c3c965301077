import { defineConfig } from 'vitest/config';

/**
 * The three tiers of `make test` as vitest projects: `unit` (no daemon, files in parallel), `docker` (a real Docker
 * daemon and the images `make image` builds) and `e2e` (the CLI's journeys, on the simulated GPU host too). The two
 * daemon tiers run one file at a time: they share the daemon, its ports and the Docker network.
 *
 * Timeouts: node's runner, which these tests ran on first, has none by default, and hooks here start engines and
 * build images. A unit test gets 2 minutes (the machine is 2 cores and often loaded); a daemon-tier test or hook gets
 * 15 minutes unless it names its own, shorter limit.
 */
const unitTimeoutMs = 120_000;
const daemonTimeoutMs = 900_000;
const daemonTier = {
  fileParallelism: false,
  testTimeout: daemonTimeoutMs,
  hookTimeout: daemonTimeoutMs,
  teardownTimeout: 60_000,
};

export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'stacks/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.docker.test.ts', '**/*.e2e.test.ts'],
          testTimeout: unitTimeoutMs,
          hookTimeout: unitTimeoutMs,
        },
      },
      { test: { name: 'docker', include: ['test/**/*.docker.test.ts'], ...daemonTier } },
      { test: { name: 'e2e', include: ['test/**/*.e2e.test.ts'], ...daemonTier } },
    ],
  },
});
