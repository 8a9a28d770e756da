// The BigQuery metrics store through the real @google-cloud/bigquery client, against the local
// stand-in (tests/standins/bigquery.ts): the store contract, and the exact requests the client sends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BigqueryStandin } from "../standins/bigquery.ts";
import { openBigqueryStore } from "../../f/anomstack/store/bigquery/store.ts";
import { bigqueryConnection } from "../../f/anomstack/store/bigquery/connection.ts";
import type { MetricsStore } from "../../f/anomstack/store/metrics-store.ts";
import type { MetricRow } from "../../f/anomstack/store/metric-row.ts";

const PROJECT = "test-proj";
const TOKEN = "ya29.standin-token";
const standin = new BigqueryStandin(PROJECT, TOKEN);
let endpoint: string;
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
  ...bigqueryConnection(
    { ANOMSTACK_GCP_PROJECT_ID: PROJECT, ANOMSTACK_BIGQUERY_API_ENDPOINT: endpoint, ANOMSTACK_BIGQUERY_ACCESS_TOKEN: TOKEN, ...more },
    "b",
  ),
  maxRetries: 0,
});
const count = async () => Number((await standin.sql(`SELECT count(*) FROM "${PROJECT}".metrics.metrics`)).rows[0][0]);

beforeAll(async () => {
  endpoint = await standin.start();
  await standin.createDataset("metrics");
  store = await openBigqueryStore({ connection: conn(), tableKey: "metrics.metrics", batch: "b" });
});
afterAll(async () => {
  await store?.close();
  await standin.stop();
});

describe("BigQuery store (stand-in)", () => {
  it("checks the dataset and creates the table with the client's own requests", () => {
    const [get] = standin.calls("GET", `/projects/${PROJECT}/datasets/metrics`);
    expect(get.authorization).toBe(`Bearer ${TOKEN}`);
    const [create] = standin.calls("POST", `/projects/${PROJECT}/queries`);
    expect(create.body).toMatchObject({
      useLegacySql: false,
      query: expect.stringContaining("CREATE TABLE IF NOT EXISTS `test-proj`.`metrics`.`metrics`"),
    });
    expect(create.body?.query).toContain("PARTITION BY DATE(metric_timestamp)");
  });

  it("appends idempotently with one MERGE of positional parameters", async () => {
    const before = standin.requests.length;
    expect(await store.append([row(1), row(2), row(3)])).toBe(3);
    expect(await store.append([row(2), row(3), row(4)])).toBe(1);
    expect(await store.append([row(5), row(5, "metric", "dup")])).toBe(1);
    expect(await count()).toBe(5);
    const merges = standin.requests.slice(before).filter((r) => String(r.body?.query ?? "").startsWith("MERGE"));
    expect(merges).toHaveLength(3);
    expect(merges[0].body).toMatchObject({ parameterMode: "positional" });
    expect((merges[0].body as { queryParameters: unknown[] }).queryParameters[0]).toEqual({
      parameterType: { type: "STRING" },
      parameterValue: { value: "2026-01-01 00:01:00.000" },
    });
  });

  it("returns timestamps as UTC dates, integers as numbers, and keeps metadata", async () => {
    await store.append([row(10, "llmalert", '{"anomaly_explanation":"it\'s high"}')]);
    const rows = await store.query(
      "select metric_timestamp, metric_value, metadata, 7 as n from `test-proj`.metrics.metrics where metric_type = ? and metric_timestamp = cast(? as timestamp)",
      ["llmalert", "2026-01-01 00:10:00"],
    );
    expect(rows).toEqual([
      { metric_timestamp: new Date("2026-01-01T00:10:00Z"), metric_value: 10.5, metadata: '{"anomaly_explanation":"it\'s high"}', n: 7 },
    ]);
  });

  it("reads results of many pages (getQueryResults with pageToken)", async () => {
    const many = Array.from({ length: 450 }, (_, i) => ({ ...row(i), metric_batch: "bulk", metric_name: `m${i % 9}` }));
    expect(await store.append(many)).toBe(450);
    standin.pageRows = 200;
    const rows = await store.query("select metric_value from metrics.metrics where metric_batch = 'bulk'");
    standin.pageRows = 2000;
    expect(rows).toHaveLength(450);
    const pages = standin.requests.filter((r) => r.method === "GET" && /\/queries\/job_\d+$/.test(r.path));
    expect(pages.map((p) => p.query.pageToken)).toEqual(["200", "400"]);
  });

  it("deletes and reports the rows it changed", async () => {
    const n = await store.exec("delete from metrics.metrics where metric_batch = 'bulk' and metric_timestamp < cast(? as timestamp)", [
      "2026-01-01 01:00:00",
    ]);
    expect(n).toBe(60);
  });

  it("appends more than one MERGE's rows in one transaction", async () => {
    const before = standin.requests.length;
    const many = Array.from({ length: 1100 }, (_, i) => ({ ...row(i), metric_batch: "big", metric_name: "m" }));
    expect(await store.append(many)).toBe(1100);
    const queries = standin.requests
      .slice(before)
      .map((r) => `${r.method} ${String(r.body?.query ?? (r.body?.configuration as { query?: { query?: string } })?.query?.query).split(/\s/)[0]}`);
    expect(queries).toEqual(["POST BEGIN", "GET undefined", "POST MERGE", "POST MERGE", "POST COMMIT", "POST CALL"]);
  });

  it("runs a transaction in a session (a BEGIN job, then jobs.query with the session id), committed together", async () => {
    const before = standin.requests.length;
    await store.transaction(async () => {
      await store.append([row(40)]);
      await store.exec("delete from metrics.metrics where metric_batch = 'b' and metric_timestamp = cast(? as timestamp)", ["2026-01-01 00:01:00"]);
    });
    const sent = standin.requests.slice(before);
    // jobs.insert of BEGIN with createSession, then getQueryResults of that job
    expect(sent[0]).toMatchObject({ method: "POST", path: `/bigquery/v2/projects/${PROJECT}/jobs` });
    expect(sent[0].body).toMatchObject({ configuration: { query: { query: "BEGIN TRANSACTION", createSession: true, useLegacySql: false } } });
    const jobId = (sent[0].body as { jobReference: { jobId: string } }).jobReference.jobId;
    expect(sent[1]).toMatchObject({ method: "GET", path: `/bigquery/v2/projects/${PROJECT}/queries/${jobId}` });
    const queries = sent.slice(2).map((r) => r.body as Record<string, unknown>);
    expect(queries.map((b) => String(b.query).split(/\s/)[0])).toEqual(["MERGE", "delete", "COMMIT", "CALL"]);
    const session = [{ key: "session_id", value: expect.stringMatching(/^session_/) }];
    for (const b of queries) expect(b.connectionProperties).toEqual(session);
    expect(new Set(queries.map((b) => (b.connectionProperties as { value: string }[])[0].value)).size).toBe(1);
    expect(queries.at(-1)?.query).toBe("CALL BQ.ABORT_SESSION()");
  });

  it("works when the client runs every query as a job (FAST_QUERY_PATH=DISABLED: jobs.insert, then getQueryResults)", async () => {
    const before = standin.requests.length;
    process.env.FAST_QUERY_PATH = "DISABLED";
    try {
      expect(await store.append([row(45), row(46)])).toBe(2);
      expect(
        await store.query("select metric_value from metrics.metrics where metric_batch = ? and metric_timestamp = cast(? as timestamp)", [
          "b",
          "2026-01-01 00:45:00",
        ]),
      ).toEqual([{ metric_value: 45.5 }]);
    } finally {
      delete process.env.FAST_QUERY_PATH;
    }
    const sent = standin.requests.slice(before).map((r) => `${r.method} ${r.path.replace(/job_\w+|[0-9a-f-]{36}/, "ID")}`);
    expect(sent).toEqual([
      `POST /bigquery/v2/projects/${PROJECT}/jobs`,
      `GET /bigquery/v2/projects/${PROJECT}/queries/ID`,
      `POST /bigquery/v2/projects/${PROJECT}/jobs`,
      `GET /bigquery/v2/projects/${PROJECT}/queries/ID`,
    ]);
  });

  it("rolls a failed transaction back and keeps what was stored before", async () => {
    const before = await count();
    await expect(
      store.transaction(async () => {
        await store.append([row(50), row(51)]);
        await store.exec("select * from metrics.no_such_table");
      }),
    ).rejects.toThrow(/no_such_table/);
    expect(await count()).toBe(before);
  });

  it("refuses non-finite values, storing nothing of the call", async () => {
    const before = await count();
    await expect(store.append([row(30), { ...row(31), metric_value: Number.NaN }])).rejects.toThrow(
      "row 1 (odd at 2026-01-01T00:31:00.000Z) has a non-finite value",
    );
    expect(await count()).toBe(before);
  });

  it("names the batch, key and SQL of a SQL error", async () => {
    await expect(store.query("selec 1")).rejects.toThrow(
      /^b \(table_key metrics\.metrics, BigQuery project test-proj .*\): BigQuery rejected the SQL: .*selec[\s\S]*--- SQL ---\nselec 1$/,
    );
  });

  it("says so for a wrong table key shape, a missing dataset, bad credentials and an unreachable endpoint", async () => {
    await expect(openBigqueryStore({ connection: conn(), tableKey: "metrics", batch: "b" })).rejects.toThrow(
      'b.table_key "metrics": BigQuery needs "dataset.table" or "project.dataset.table"',
    );
    await expect(openBigqueryStore({ connection: conn({ ANOMSTACK_GCP_PROJECT_ID: "" }), tableKey: "m.t", batch: "b" })).rejects.toThrow(
      /ANOMSTACK_GCP_PROJECT_ID, which is not set/,
    );
    await expect(openBigqueryStore({ connection: conn(), tableKey: "nope.metrics", batch: "b" })).rejects.toThrow(
      /^b\.table_key "nope\.metrics": dataset test-proj\.nope does not exist in BigQuery project test-proj .*; create it \(bq mk --dataset test-proj:nope\)$/,
    );
    const bad = openBigqueryStore({ connection: conn({ ANOMSTACK_BIGQUERY_ACCESS_TOKEN: "wrong" }), tableKey: "metrics.metrics", batch: "b" });
    await expect(bad).rejects.toThrow(/^b \(table_key metrics\.metrics, .*\): BigQuery refused the credentials/);
    await expect(bad).rejects.not.toThrow(/wrong/);
    const away = openBigqueryStore({
      connection: conn({ ANOMSTACK_BIGQUERY_API_ENDPOINT: "http://127.0.0.1:1" }),
      tableKey: "metrics.metrics",
      batch: "b",
    });
    await expect(away).rejects.toThrow(
      /^b \(table_key metrics\.metrics, BigQuery project test-proj at http:\/\/127\.0\.0\.1:1 .*\): cannot reach BigQuery/,
    );
  });
});
