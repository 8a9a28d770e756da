// The original's bigquery_example_simple and snowflake_example_simple, switched on and run by the
// `anomstack` command (backfill, then ingest → train → score → alert) against the local stand-ins that
// speak BigQuery's REST API and Snowflake's driver protocol to the real client libraries.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BigqueryStandin } from "../standins/bigquery.ts";
import { SnowflakeStandin } from "../standins/snowflake.ts";
import { REPO_DIR } from "../helpers/workspace.ts";
import { exampleEnv } from "../examples/helpers/run-example.ts";

// Each test starts `anomstack` processes: on a busy machine they may take minutes.
vi.setConfig({ testTimeout: 600_000 });

const NOW = "2026-03-01T12:00:00Z";
const bigquery = new BigqueryStandin("example-proj", "ya29.example");
const snowflake = new SnowflakeStandin("example-account", "ANOMSTACK", "pw", ["ANOMSTACK"]);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-warehouse-examples-"));
let env: Record<string, string>;

/** `anomstack ...` in its own process (not blocking this one: the stand-ins must answer it). */
function anomstack(args: string[], extra: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [path.join(REPO_DIR, "scripts/anomstack.mjs"), ...args], {
    cwd: dir,
    env: { ...process.env, ...env, ANOMSTACK_LOG_LEVEL: "warn", ...extra },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (err += c));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out, err })));
}

beforeAll(async () => {
  const [bqUrl, sfUrl] = await Promise.all([bigquery.start(), snowflake.start()]);
  await bigquery.createDataset("metrics");
  await snowflake.sql(`CREATE SCHEMA "ANOMSTACK"."METRICS"`);
  env = {
    ANOMSTACK_MODEL_PATH: `local://${path.join(dir, "models")}`,
    ANOMSTACK_DUCKDB_PATH: path.join(dir, "unused.duckdb"),
    ANOMSTACK_GCP_PROJECT_ID: "example-proj",
    ANOMSTACK_BIGQUERY_API_ENDPOINT: bqUrl,
    ANOMSTACK_BIGQUERY_ACCESS_TOKEN: "ya29.example",
    ANOMSTACK_SNOWFLAKE_ACCOUNT: "example-account",
    ANOMSTACK_SNOWFLAKE_USER: "ANOMSTACK",
    ANOMSTACK_SNOWFLAKE_PASSWORD: "pw",
    ANOMSTACK_SNOWFLAKE_WAREHOUSE: "COMPUTE_WH",
    ANOMSTACK_SNOWFLAKE_ACCESS_URL: sfUrl,
  };
});
afterAll(async () => {
  await Promise.all([bigquery.stop(), snowflake.stop()]);
});

const cases = [
  {
    batch: "bigquery_example_simple",
    metrics: ["random_1", "random_2", "random_3"],
    stored: () => bigquery.sql(`SELECT metric_type, metric_name, count(*) FROM "example-proj".metrics.metrics GROUP BY ALL ORDER BY ALL`),
    ingestSql: () => bigquery.calls("POST", "/projects/example-proj/queries").map((r) => String(r.body?.query)),
  },
  {
    batch: "snowflake_example_simple",
    metrics: ["metric_1", "metric_2", "metric_3"],
    stored: () => snowflake.sql(`SELECT metric_type, metric_name, count(*) FROM "ANOMSTACK"."METRICS"."METRICS" GROUP BY ALL ORDER BY ALL`),
    ingestSql: () => snowflake.calls("/queries/v1/query-request").map((r) => String(r.body?.sqlText)),
  },
];

describe("warehouse examples through the anomstack command (stand-ins)", () => {
  for (const c of cases) {
    it(`${c.batch}: backfill, then ingest → train → score → alert, all in its warehouse`, async () => {
      const on = { ...exampleEnv(c.batch), [`ANOMSTACK__${c.batch.toUpperCase()}__ALERT_METHODS`]: "console" };
      const backfill = await anomstack(["backfill", "--batch", c.batch, "--periods", "60", "--now", NOW], on as Record<string, string>);
      expect(backfill.code, backfill.err).toBe(0);
      expect(backfill.err).not.toMatch(/warning|error/i); // e.g. no AWS SDK notice from snowflake-sdk
      expect(backfill.out).toContain(`${c.batch}: backfilled 60 period(s)`);
      const run = await anomstack(["run", "--batch", c.batch, "--jobs", "ingest,train,score,alert", "--now", NOW], on as Record<string, string>);
      expect(run.code, run.err).toBe(0);
      const counts = (await c.stored()).rows.map(([type, name, n]) => `${type} ${name} ${n}`);
      // 60 backfilled points and the run's own ingest (at the newest backfilled time: no new row), per metric.
      expect(counts.filter((l) => l.startsWith("metric "))).toEqual(c.metrics.map((m) => `metric ${m} 60`));
      // Every metric trained and scored: its newest score_max_n (25) points have scores.
      expect(counts.filter((l) => l.startsWith("score "))).toEqual(c.metrics.map((m) => `score ${m} 25`));
      // The example's own SQL reached the warehouse as written (its functions, its quoting).
      expect(c.ingestSql().some((q) => q.includes(`'${c.metrics[2]}'`))).toBe(true);
      // The models are one training run (docs/model-store.md): a manifest naming its artifacts.
      const batchModels = path.join(dir, "models", c.batch);
      expect(fs.readdirSync(path.join(batchModels, "manifests"))).toEqual(["shard-0-of-1.json"]);
      expect(fs.readdirSync(path.join(batchModels, "runs", "shard-0-of-1")).length).toBeGreaterThanOrEqual(1);
    });
  }
});
