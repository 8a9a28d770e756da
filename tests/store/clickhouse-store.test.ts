// The ClickHouse store's own parts against a real clickhouse-server (18.16, started for this file):
// where the settings point, the errors for an unreachable server and bad credentials (naming the server,
// never the password), `?` parameters written as escaped literals, and what an ingest of the
// clickhouse_example_simple batch stores through the CLI's path (openMetricsStore).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clickhouseConnection } from "../../f/anomstack/store/clickhouse/connection.ts";
import { inlineParams, openClickhouseStore } from "../../f/anomstack/store/clickhouse/store.ts";
import { StoreError } from "../../f/anomstack/store/metrics-store.ts";
import { startClickhouse, type ClickhouseServer } from "../helpers/clickhouse.ts";
import { runExampleIngest } from "../examples/helpers/run-example.ts";

let server: ClickhouseServer;
beforeAll(async () => {
  server = await startClickhouse();
});
afterAll(async () => {
  await server?.stop();
});

describe("ClickHouse connection settings", () => {
  it("default to the original's localhost:8123, user and password anomstack, database default", () => {
    expect(clickhouseConnection({})).toEqual({ url: "http://localhost:8123", user: "anomstack", password: "anomstack", database: "default" });
    expect(
      clickhouseConnection({
        ANOMSTACK_CLICKHOUSE_HOST: "ch.internal",
        ANOMSTACK_CLICKHOUSE_PORT: "18123",
        ANOMSTACK_CLICKHOUSE_USER: "u",
        ANOMSTACK_CLICKHOUSE_PASSWORD: "",
        ANOMSTACK_CLICKHOUSE_DATABASE: "analytics",
      }),
    ).toEqual({ url: "http://ch.internal:18123", user: "u", password: "", database: "analytics" });
    expect(clickhouseConnection({ ANOMSTACK_CLICKHOUSE_HOST: "https://x.clickhouse.cloud:8443" }).url).toBe("https://x.clickhouse.cloud:8443");
  });
});

describe("ClickHouse store", () => {
  it("names the server, user and database, never the password, when the credentials are wrong", async () => {
    const err = await openClickhouseStore({
      connection: { url: server.url, user: "anomstack", password: "wrong-secret", database: "default" },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(
      new RegExp(`^cannot connect to ClickHouse at ${server.url} \\(user anomstack, database default\\): .*(password|Authentication)`, "i"),
    );
    expect(err.message).not.toContain("wrong-secret");
  });

  it("names the server when it cannot be reached", async () => {
    const err = await openClickhouseStore({ connection: { url: "http://127.0.0.1:9", user: "u", password: "p", database: "default" } }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(/^cannot connect to ClickHouse at http:\/\/127\.0\.0\.1:9 \(user u, database default\): /);
  });

  it("opens with the right password, and names a missing database", async () => {
    const s = await openClickhouseStore({
      connection: { url: server.url, user: "anomstack", password: "anomstack", database: "default" },
      tableKey: "pw_ok",
    });
    expect(await s.query("select 1 as one")).toEqual([{ one: 1 }]);
    await s.close();
    const err = await openClickhouseStore({ connection: { url: server.url, user: "default", password: "", database: "no_such_db" } }).catch((e) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(/no_such_db/);
  });

  it("writes ? parameters as escaped literals (18.16 has no server-side parameters), leaving quoted text alone", async () => {
    expect(inlineParams("select ?, '?', \"a?\", ?", ["it's \\", new Date("2024-01-01T10:00:00.250Z")])).toBe(
      "select 'it\\'s \\\\', '?', \"a?\", '2024-01-01 10:00:00'",
    );
    expect(() => inlineParams("select ?, ?", [1])).toThrow("the SQL has more ? placeholders than the 1 parameters given");
    const s = await openClickhouseStore({ connection: { url: server.url, user: "default", password: "", database: "default" }, tableKey: "params" });
    expect(await s.query("select ? as s, ? as n, ? as nothing", ["o'k\\", 2.5, null])).toEqual([{ s: "o'k\\", n: 2.5, nothing: null }]);
    await s.close();
  });

  it("runs the clickhouse_example_simple batch's ingest (ClickHouse SQL: rand(), toDateTime) into its table through the jobs' path", async () => {
    const port = new URL(server.url).port;
    const env = {
      ANOMSTACK_CLICKHOUSE_HOST: "127.0.0.1",
      ANOMSTACK_CLICKHOUSE_PORT: port,
      ANOMSTACK_CLICKHOUSE_USER: "default",
      ANOMSTACK_CLICKHOUSE_PASSWORD: "",
    };
    const now = new Date("2026-01-05T10:00:00Z");
    const { rows } = await runExampleIngest("clickhouse_example_simple", now, env);
    expect(rows.map((r) => [r.metric_name, r.metric_timestamp])).toEqual([
      ["metric_1", now],
      ["metric_2", now],
    ]);
    expect(rows.every((r) => r.metric_value >= 0 && r.metric_value <= 1)).toBe(true);
    // a second run at the same time stores nothing new
    const again = await runExampleIngest("clickhouse_example_simple", now, env);
    expect(again.rows).toHaveLength(2);
  });
});
