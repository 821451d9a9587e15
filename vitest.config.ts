import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two groups, one after the other. The testbed measures rates and delays on veth pairs
    // against iperf3 in the same run, so it runs first and alone, one file at a time. Everything
    // else (unit, routes, property tests, e2e) then runs in two workers: vitest's default on a
    // 2-core machine is one (cores − 1), which made the suite serial and took it past 18 minutes.
    projects: [
      {
        extends: true,
        test: { name: 'testbed', include: ['test/testbed/**/*.test.ts'], maxWorkers: 1, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'main', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], exclude: ['test/testbed/**', 'node_modules/**'], maxWorkers: 2, sequence: { groupOrder: 1 } },
      },
    ],
  },
})
