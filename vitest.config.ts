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
        test: { name: 'main', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], exclude: ['test/testbed/**', 'test/e2e/dashboard.test.ts', 'node_modules/**'], maxWorkers: 2, sequence: { groupOrder: 1 } },
      },
      // Last and alone: the national-size dashboard test times the whole pipeline (a line fails →
      // its commune red on the open page within 5 s); beside another worker's CPU-heavy file (the
      // soak, the property tests) that took 5.0–5.5 s on this 2-core machine, alone ~3.3 s.
      {
        extends: true,
        test: { name: 'e2e-timed', include: ['test/e2e/dashboard.test.ts'], maxWorkers: 1, sequence: { groupOrder: 2 } },
      },
    ],
  },
})
