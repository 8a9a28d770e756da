// The Snowflake metrics store through the real snowflake-sdk driver, against the local stand-in
// (tests/standins/snowflake.ts): the store contract, and the exact requests the driver sends.
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settingsToEnv } from "../../f/anomstack/config/settings-resource.ts";
import { SnowflakeStandin } from "../standins/snowflake.ts";
import { openSnowflakeStore } from "../../f/anomstack/store/snowflake/store.ts";
import { snowflakeConnection } from "../../f/anomstack/store/snowflake/connection.ts";
import type { MetricsStore } from "../../f/anomstack/store/metrics-store.ts";
import type { MetricRow } from "../../f/anomstack/store/metric-row.ts";

const keyPair = () =>
  crypto.generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
const userKey = keyPair();
const standin = new SnowflakeStandin("test-account", "anomstack", "s3cret", ["ANOMSTACK"], userKey.publicKey);
let accessUrl: string;
let store: MetricsStore;

const row = (i: number, type: MetricRow["metric_type"] = "metric", metadata = ""): MetricRow => ({
  metric_timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)),
  metric_batch: "b",
  metric_name: i % 2 ? "odd" : "even",
  metric_type: type,
  metric_value: i + 0.5,
  metadata,
});
const conn = (more: Record<string, string> = {}) => ({
  ...snowflakeConnection(
    {
      ANOMSTACK_SNOWFLAKE_ACCOUNT: "test-account",
      ANOMSTACK_SNOWFLAKE_USER: "anomstack",
      ANOMSTACK_SNOWFLAKE_PASSWORD: "s3cret",
      ANOMSTACK_SNOWFLAKE_WAREHOUSE: "COMPUTE_WH",
      ANOMSTACK_SNOWFLAKE_ACCESS_URL: accessUrl,
      ...more,
    },
    "b",
  ),
  maxLoginRetries: 0,
});
const count = async () => Number((await standin.sql(`SELECT count(*) FROM "ANOMSTACK"."METRICS"."METRICS"`)).rows[0][0]);

beforeAll(async () => {
  accessUrl = await standin.start();
  await standin.sql(`CREATE SCHEMA "ANOMSTACK"."METRICS"`);
  store = await openSnowflakeStore({ connection: conn(), tableKey: "ANOMSTACK.METRICS.METRICS", batch: "b" });
});
afterAll(async () => {
  await store?.close();
  await standin.stop();
});

describe("Snowflake store (stand-in)", () => {
  it("logs in with the driver's login-request and creates the table", () => {
    const [login] = standin.calls("/session/v1/login-request");
    expect(login.query).toMatchObject({ warehouse: "COMPUTE_WH" });
    expect(login.body?.data).toMatchObject({ ACCOUNT_NAME: "test-account", LOGIN_NAME: "anomstack" });
    const [create] = standin.calls("/queries/v1/query-request");
    expect(create.authorization).toBe('Snowflake Token="session-token-1"');
    expect(create.body?.sqlText).toContain('CREATE TABLE IF NOT EXISTS "ANOMSTACK"."METRICS"."METRICS"');
  });

  it("appends idempotently with one MERGE of bound values", async () => {
    const before = standin.requests.length;
    expect(await store.append([row(1), row(2), row(3)])).toBe(3);
    expect(await store.append([row(2), row(3), row(4)])).toBe(1);
    expect(await store.append([row(5), row(5, "metric", "dup")])).toBe(1);
    expect(await count()).toBe(5);
    const merges = standin.requests.slice(before).filter((r) => String(r.body?.sqlText).startsWith("MERGE"));
    expect(merges).toHaveLength(3);
    expect((merges[0].body as { bindings: Record<string, unknown> }).bindings).toMatchObject({
      "1": { type: "TEXT", value: "2026-01-01 00:01:00.000" },
      "2": { type: "TEXT", value: "b" },
      "5": { type: "REAL", value: "1.5" },
    });
  });

  it("returns lower-case columns, timestamps as UTC dates, integers as numbers", async () => {
    await store.append([row(10, "llmalert", '{"anomaly_explanation":"it\'s high"}')]);
    const rows = await store.query(
      "select metric_timestamp, metric_value, metadata, 7 as n from anomstack.metrics.metrics where metric_type = ? and metric_timestamp = cast(? as timestamp_ntz)",
      ["llmalert", "2026-01-01 00:10:00"],
    );
    expect(rows).toEqual([
      { metric_timestamp: new Date("2026-01-01T00:10:00Z"), metric_value: 10.5, metadata: '{"anomaly_explanation":"it\'s high"}', n: 7 },
    ]);
  });

  it("deletes and reports the rows it changed", async () => {
    expect(await store.exec("delete from anomstack.metrics.metrics where metric_timestamp < cast(? as timestamp_ntz)", ["2026-01-01 00:03:00"])).toBe(
      2,
    );
  });

  it("runs BEGIN / COMMIT around a transaction, and rolls a failed one back", async () => {
    const before = standin.requests.length;
    await store.transaction(async () => {
      await store.append([row(40)]);
    });
    expect(standin.requests.slice(before).map((r) => String(r.body?.sqlText).split(/\s/)[0])).toEqual(["BEGIN", "MERGE", "COMMIT"]);
    const n = await count();
    await expect(
      store.transaction(async () => {
        await store.append([row(50), row(51)]);
        await store.exec("select * from anomstack.metrics.no_such_table");
      }),
    ).rejects.toThrow(/NO_SUCH_TABLE/);
    expect(await count()).toBe(n);
  });

  it("logs in with a key pair from a Windmill snowflake resource (an RS256 JWT, no password)", async () => {
    const before = standin.requests.length;
    const resource = {
      account_identifier: "test-account",
      username: "anomstack",
      private_key: userKey.privateKey,
      warehouse: "COMPUTE_WH",
      database: "ANOMSTACK",
      schema: "METRICS",
    };
    const env = settingsToEnv({ snowflake: resource, env: { ANOMSTACK_SNOWFLAKE_ACCESS_URL: accessUrl } }, {});
    const keyed = await openSnowflakeStore({ connection: snowflakeConnection(env, "b"), tableKey: "METRICS", batch: "b" });
    expect(await keyed.query("select count(*) as n from metrics")).toEqual([{ n: await count() }]);
    await keyed.close();
    const [login] = standin.requests.slice(before).filter((r) => r.path === "/session/v1/login-request");
    expect(login.body?.data).toMatchObject({
      AUTHENTICATOR: "SNOWFLAKE_JWT",
      LOGIN_NAME: "anomstack",
      TOKEN: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    expect(login.body?.data).not.toHaveProperty("PASSWORD");
    const other = { ...resource, private_key: keyPair().privateKey };
    await expect(
      openSnowflakeStore({
        connection: {
          ...snowflakeConnection(settingsToEnv({ snowflake: other, env: { ANOMSTACK_SNOWFLAKE_ACCESS_URL: accessUrl } }, {}), "b"),
          maxLoginRetries: 0,
        },
        tableKey: "METRICS",
        batch: "b",
      }),
    ).rejects.toThrow(/Snowflake refused the credentials/);
  });

  it("names the batch, key and SQL of a SQL error", async () => {
    await expect(store.query("selec 1")).rejects.toThrow(
      /^b \(table_key ANOMSTACK\.METRICS\.METRICS, Snowflake account test-account as anomstack at http:\/\/127\.0\.0\.1:\d+ \(warehouse COMPUTE_WH\)\): Snowflake rejected the SQL: SQL compilation error:[\s\S]*--- SQL ---\nselec 1$/,
    );
  });

  it("says so for a wrong key shape, a missing schema, bad credentials and an unreachable endpoint", async () => {
    await expect(openSnowflakeStore({ connection: conn(), tableKey: "a.b.c.d", batch: "b" })).rejects.toThrow(
      'b.table_key "a.b.c.d": Snowflake needs "database.schema.table", "schema.table" or "table"',
    );
    await expect(openSnowflakeStore({ connection: conn(), tableKey: "METRICS", batch: "b" })).rejects.toThrow(
      /a one-part key takes its database and schema from ANOMSTACK_SNOWFLAKE_DATABASE and _SCHEMA, which are not both set/,
    );
    await expect(openSnowflakeStore({ connection: conn(), tableKey: "ANOMSTACK.NOPE.METRICS", batch: "b" })).rejects.toThrow(
      /^b \(table_key ANOMSTACK\.NOPE\.METRICS, .*\): database ANOMSTACK or schema NOPE does not exist/,
    );
    const bad = openSnowflakeStore({
      connection: conn({ ANOMSTACK_SNOWFLAKE_PASSWORD: "wrong" }),
      tableKey: "ANOMSTACK.METRICS.METRICS",
      batch: "b",
    });
    await expect(bad).rejects.toThrow(
      /^b \(table_key ANOMSTACK\.METRICS\.METRICS, .*\): Snowflake refused the credentials .*Incorrect username or password/,
    );
    await expect(bad).rejects.not.toThrow(/wrong/);
    const away = openSnowflakeStore({
      connection: conn({ ANOMSTACK_SNOWFLAKE_ACCESS_URL: "http://127.0.0.1:1" }),
      tableKey: "ANOMSTACK.METRICS.METRICS",
      batch: "b",
    });
    await expect(away).rejects.toThrow(/^b \(table_key ANOMSTACK\.METRICS\.METRICS, .*127\.0\.0\.1:1.*\): cannot reach Snowflake/);
    expect(() => snowflakeConnection({ ANOMSTACK_SNOWFLAKE_ACCOUNT: "a" }, "b")).toThrow(
      "b.db is snowflake but ANOMSTACK_SNOWFLAKE_USER, ANOMSTACK_SNOWFLAKE_PASSWORD or ANOMSTACK_SNOWFLAKE_PRIVATE_KEY is not set (or set a snowflake resource in the settings)",
    );
  });
});
