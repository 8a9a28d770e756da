// MotherDuck (`db: motherduck`, or an `md:` DuckDB path as in the original): DuckDB with a
// `md:<database>` path and the token as DuckDB's `motherduck_token` option. MotherDuck cannot be reached
// from this machine (no internet), so this checks what can be checked offline: the path and the token
// handed to DuckDB, the errors naming the batch when either is missing, and the error when DuckDB cannot
// load its motherduck extension. Signing in and reading a real MotherDuck database are not verified here.
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BatchConfig } from "../../f/anomstack/config/index.ts";
import { duckdbConnection, duckdbOpenArgs } from "../../f/anomstack/store/duckdb/connection.ts";
import { closeAllDuckdbInstances, openDuckdbStore } from "../../f/anomstack/store/duckdb/store.ts";
import { StoreError } from "../../f/anomstack/store/metrics-store.ts";
import { openMetricsStore } from "../../f/anomstack/store/open.ts";

afterEach(async () => {
  vi.restoreAllMocks();
  await closeAllDuckdbInstances();
});

describe("MotherDuck connection settings", () => {
  it("db: motherduck takes ANOMSTACK_MOTHERDUCK_DATABASE (or an md: ANOMSTACK_DUCKDB_PATH) and ANOMSTACK_MOTHERDUCK_TOKEN", () => {
    expect(duckdbConnection({ ANOMSTACK_MOTHERDUCK_DATABASE: "my_db", ANOMSTACK_MOTHERDUCK_TOKEN: "tok" }, "motherduck", "b")).toEqual({
      path: "md:my_db",
      motherduckToken: "tok",
    });
    expect(duckdbConnection({ ANOMSTACK_DUCKDB_PATH: "md:other", ANOMSTACK_MOTHERDUCK_TOKEN: "tok" }, "motherduck", "b")).toEqual({
      path: "md:other",
      motherduckToken: "tok",
    });
  });

  it("an md: path on db: duckdb is MotherDuck too (the original's way), a token written in the path is dropped from it", () => {
    expect(duckdbConnection({ ANOMSTACK_DUCKDB_PATH: "md:x?motherduck_token=old", ANOMSTACK_MOTHERDUCK_TOKEN: "tok" }, "duckdb", "b")).toEqual({
      path: "md:x",
      motherduckToken: "tok",
    });
    expect(duckdbConnection({ ANOMSTACK_DUCKDB_PATH: "/data/a.duckdb" }, "duckdb", "b")).toEqual({ path: "/data/a.duckdb" });
  });

  it("names the batch and the variable when the database or the token is missing (no silent fall back to a local file)", () => {
    expect(() => duckdbConnection({ ANOMSTACK_MOTHERDUCK_TOKEN: "tok" }, "motherduck", "sales")).toThrow(
      new StoreError(
        'sales.db is motherduck but no database is configured: set ANOMSTACK_MOTHERDUCK_DATABASE (e.g. "my_db") or ANOMSTACK_DUCKDB_PATH="md:my_db"',
      ),
    );
    expect(() => duckdbConnection({ ANOMSTACK_MOTHERDUCK_DATABASE: "my_db" }, "motherduck", "sales")).toThrow(
      new StoreError(
        "sales uses MotherDuck (md:my_db) but no token is set: set ANOMSTACK_MOTHERDUCK_TOKEN (in the environment or the settings resource's env)",
      ),
    );
  });

  it("hands DuckDB the md: path and the token as its motherduck_token option, never in the path", () => {
    expect(duckdbOpenArgs({ path: "md:my_db", motherduckToken: "tok" })).toEqual(["md:my_db", { motherduck_token: "tok" }]);
    expect(duckdbOpenArgs({ path: "/x.duckdb" })).toEqual(["/x.duckdb", undefined]);
  });
});

describe("MotherDuck store (offline here)", () => {
  it("opens DuckDB with the path and token of the batch's settings", async () => {
    const create = vi.spyOn(DuckDBInstance, "create").mockRejectedValue(new Error("offline (test)"));
    const cfg = { db: "motherduck", metric_batch: "sales", table_key: "metrics" } as BatchConfig;
    const err = await openMetricsStore(cfg, { ANOMSTACK_MOTHERDUCK_DATABASE: "my_db", ANOMSTACK_MOTHERDUCK_TOKEN: "tok-1" }).catch((e) => e);
    expect(create.mock.calls).toEqual([["md:my_db", { motherduck_token: "tok-1" }]]);
    expect(err.message).toMatch(/^cannot reach MotherDuck database md:my_db: offline \(test\)/);
  });

  it("fails with a StoreError naming the database, without the token, when DuckDB cannot reach MotherDuck", async () => {
    const err = await openDuckdbStore({ path: "md:my_db", motherduckToken: "tok-secret" }).catch((e) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(/^cannot reach MotherDuck database md:my_db: .*motherduck/i);
    expect(err.message).toContain("check the network and ANOMSTACK_MOTHERDUCK_TOKEN");
    expect(err.message).not.toContain("tok-secret");
  });
});
