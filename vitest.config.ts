import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // DuckDB files and model folders are per-test temp dirs; files can run in parallel.
    pool: "forks",
  },
});
