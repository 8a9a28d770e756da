import { defineConfig } from "vitest/config";

/**
 * Suites that need more than Node: a service (PostgreSQL, Chromium), another runtime (Bun), the real
 * `wmill` CLI, the NAB corpus, or whole `anomstack` processes. `npm run test:unit` leaves them out;
 * `npm test` runs everything (CONTRIBUTING.md says what each needs).
 */
const INTEGRATION = [
  "tests/cli/**",
  "tests/dashboard/browser.test.ts",
  "tests/dashboard/server.test.ts",
  "tests/dashboard/app.test.ts",
  "tests/**/bun.test.ts",
  "tests/**/*-bun.test.ts",
  "tests/**/postgres-*.test.ts",
  "tests/**/clickhouse-*.test.ts",
  "tests/jobs/concurrent-alerts.test.ts",
  "tests/windmill/verify.test.ts",
  "tests/windmill/lock.test.ts",
  "tests/windmill/worker.test.ts",
  "tests/windmill/bundling.test.ts",
  "tests/windmill/sync-push.test.ts",
  "tests/windmill/duckdb-processes.test.ts",
  "tests/windmill/snowflake-worker.test.ts",
  "tests/eval/nab-run.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // DuckDB files and model folders are per-test temp dirs; files can run in parallel.
    pool: "forks",
    // Quiet: the jobs' INFO / WARN lines and other output show only for a test that fails.
    silent: "passed-only",
    env: { ANOMSTACK_LOG_LEVEL: "error" },
    projects: [
      { extends: true, test: { name: "unit", include: ["tests/**/*.test.ts"], exclude: INTEGRATION } },
      { extends: true, test: { name: "integration", include: INTEGRATION } },
    ],
  },
});
