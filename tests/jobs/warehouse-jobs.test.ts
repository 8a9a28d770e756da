// Every job on batches whose `db` is BigQuery or Snowflake, through the path the CLI and the Windmill
// stages use (openJobContext → openMetricsStore, the settings from the environment), against the local
// stand-ins that speak each service's protocol to its real client library (tests/standins/).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BigqueryStandin } from "../standins/bigquery.ts";
import { SnowflakeStandin } from "../standins/snowflake.ts";
import { ingestJob } from "../../f/anomstack/jobs/ingest.ts";
import { trainJob } from "../../f/anomstack/jobs/train.ts";
import { scoreJob } from "../../f/anomstack/jobs/score.ts";
import { alertJob } from "../../f/anomstack/jobs/alert.ts";
import { deleteJob } from "../../f/anomstack/jobs/delete.ts";
import { closeJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { loadBatchView } from "../../f/anomstack/dashboard/batch.ts";
import { storeFeedback } from "../../f/anomstack/dashboard/feedback.ts";
import { makeWorkspace, noise, seriesRows, type Workspace } from "../helpers/workspace.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const STEP = 300_000;
const bigquery = new BigqueryStandin("anom-proj", "ya29.jobs-token");
const snowflake = new SnowflakeStandin("jobs-account", "ANOM", "pw", ["ANOMSTACK"]);
let ws: Workspace;

beforeAll(async () => {
  ws = makeWorkspace();
  const [bqUrl, sfUrl] = await Promise.all([bigquery.start(), snowflake.start()]);
  await bigquery.createDataset("metrics");
  await snowflake.sql(`CREATE SCHEMA "ANOMSTACK"."METRICS"`);
  Object.assign(ws.env, {
    ANOMSTACK_GCP_PROJECT_ID: "anom-proj",
    ANOMSTACK_BIGQUERY_API_ENDPOINT: bqUrl,
    ANOMSTACK_BIGQUERY_ACCESS_TOKEN: "ya29.jobs-token",
    ANOMSTACK_SNOWFLAKE_ACCOUNT: "jobs-account",
    ANOMSTACK_SNOWFLAKE_USER: "ANOM",
    ANOMSTACK_SNOWFLAKE_PASSWORD: "pw",
    ANOMSTACK_SNOWFLAKE_WAREHOUSE: "WH",
    ANOMSTACK_SNOWFLAKE_ACCESS_URL: sfUrl,
  });
  ws.writeBatch(
    "bqb",
    `db: bigquery\ntable_key: metrics.metrics\nalert_smooth_n: 0\ningest_sql: "select timestamp({{ now | sql_str }}) as metric_timestamp, 'sql_metric' as metric_name, 2.5 as metric_value"\n`,
  );
  ws.writeBatch(
    "sfb",
    `db: snowflake\ntable_key: ANOMSTACK.METRICS.METRICS\nalert_smooth_n: 0\ningest_sql: "select to_timestamp_ntz({{ now | sql_str }}) as metric_timestamp, 'sql_metric' as metric_name, 2.5::float as metric_value"\n`,
  );
});
afterAll(async () => {
  await Promise.all([bigquery.stop(), snowflake.stop()]);
});

for (const [batch, dialect] of [
  ["bqb", "bigquery"],
  ["sfb", "snowflake"],
] as const) {
  describe(`jobs on ${dialect} (stand-in)`, () => {
    it("ingest runs ingest_sql there and stores there, once", async () => {
      const ctx = await ws.open(batch, NOW);
      expect(ctx.store.dialect).toBe(dialect);
      expect(await ingestJob(ctx)).toMatchObject({ rows: 1, inserted: 1 });
      expect(await ingestJob(ctx)).toMatchObject({ rows: 1, inserted: 0 });
      await closeJobContext(ctx);
    });

    it("train, score, alert, the dashboard (view, feedback) and delete work there too", async () => {
      const ctx = await ws.open(batch, NOW);
      const values = noise(120).map((x) => 10 + x);
      await ctx.store.append(seriesRows(batch, "m", values, new Date(NOW.getTime() - STEP), STEP));
      expect(await trainJob(ctx)).toMatchObject({ trained: expect.arrayContaining(["m"]), failed: [] });
      await ctx.store.append(seriesRows(batch, "m", [40], NOW));
      expect((await scoreJob(ctx)).scored).toBeGreaterThanOrEqual(25);
      const alert = await alertJob(ctx);
      // The same spike alerts as on DuckDB and PostgreSQL (tests/jobs/jobs.test.ts, postgres-jobs.test.ts).
      expect(alert.alerts.map((a) => [a.metric, a.timestamp])).toEqual([["m", NOW.toISOString()]]);
      // the dashboard reads the batch from its own store, and stores feedback there
      const view = await loadBatchView(batch, { now: NOW, env: { ...process.env, ...ws.env } });
      expect(view.latest).toBe(NOW.toISOString());
      const m = view.metrics.find((x) => x.name === "m");
      expect(m?.t.at(-1)).toBe(NOW.getTime());
      expect(m?.value.at(-1)).toBe(40);
      expect(m?.alert).toContain((m?.t.length ?? 0) - 1); // the spike is flagged (by point index)
      const fb = { batch, metric: "m", timestamp: NOW.toISOString(), kind: "thumbsup" };
      expect(await storeFeedback(fb, { env: { ...process.env, ...ws.env } })).toMatchObject({ replaced: 0 });
      expect(await storeFeedback({ ...fb, kind: "thumbsdown" }, { env: { ...process.env, ...ws.env } })).toMatchObject({ replaced: 1 });
      await ctx.store.append(seriesRows(batch, "m", [1], new Date(NOW.getTime() - 400 * 86_400_000)));
      expect(await deleteJob(ctx)).toEqual({ job: "delete", batch, deleted: 1 });
      await closeJobContext(ctx);
    });
  });
}
