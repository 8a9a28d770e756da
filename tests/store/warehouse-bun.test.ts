// Windmill's workers run Bun: the BigQuery and Snowflake stores open, append idempotently, run a
// transaction and read back under Bun as under Node, against the stand-ins (which run here, under Node).
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { REPO_DIR } from "../helpers/workspace.ts";
import { BigqueryStandin } from "../standins/bigquery.ts";
import { SnowflakeStandin } from "../standins/snowflake.ts";

// Bun processes on a loaded 2-core machine: minutes, not seconds.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const BUN = path.join(REPO_DIR, "node_modules/.bin/bun");
const bigquery = new BigqueryStandin("bun-proj", "ya29.bun");
const snowflake = new SnowflakeStandin("bun-account", "BUN", "pw", ["ANOMSTACK"]);
let env: Record<string, string>;

beforeAll(async () => {
  const [bq, sf] = await Promise.all([bigquery.start(), snowflake.start()]);
  await bigquery.createDataset("metrics");
  await snowflake.sql(`CREATE SCHEMA "ANOMSTACK"."METRICS"`);
  env = {
    ANOMSTACK_GCP_PROJECT_ID: "bun-proj",
    ANOMSTACK_BIGQUERY_API_ENDPOINT: bq,
    ANOMSTACK_BIGQUERY_ACCESS_TOKEN: "ya29.bun",
    ANOMSTACK_SNOWFLAKE_ACCOUNT: "bun-account",
    ANOMSTACK_SNOWFLAKE_USER: "BUN",
    ANOMSTACK_SNOWFLAKE_PASSWORD: "pw",
    ANOMSTACK_SNOWFLAKE_ACCESS_URL: sf,
  };
});
afterAll(async () => {
  await Promise.all([bigquery.stop(), snowflake.stop()]);
});

/** Open `db`'s store under Bun through openMetricsStore, append twice, a transaction, read back. */
async function underBun(db: string, tableKey: string): Promise<{ runtime: string; first: number; again: number; rows: unknown[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-bun-store-"));
  const script = path.join(dir, "run.ts");
  fs.writeFileSync(
    script,
    `import { openMetricsStore } from ${JSON.stringify(path.join(REPO_DIR, "f/anomstack/store/open.ts"))};
     const store = await openMetricsStore({ db: ${JSON.stringify(db)}, table_key: ${JSON.stringify(tableKey)}, metric_batch: "bun" } as never, process.env);
     const row = (m: number) => ({ metric_timestamp: new Date(Date.UTC(2026, 0, 1, 0, m)), metric_batch: "bun", metric_name: "m", metric_type: "metric" as const, metric_value: m + 0.25, metadata: "" });
     const first = await store.append([row(1), row(2)]);
     const again = await store.transaction(() => store.append([row(2), row(3)]));
     const rows = await store.query("select metric_timestamp, metric_value from " + ${JSON.stringify(db === "bigquery" ? "`metrics`.`metrics`" : '"ANOMSTACK"."METRICS"."METRICS"')} + " order by metric_timestamp");
     await store.close();
     console.log(JSON.stringify({ runtime: typeof Bun === "undefined" ? "node" : "bun", first, again, rows }));`,
  );
  const child = spawn(BUN, [script], { cwd: REPO_DIR, env: { ...process.env, ANOMSTACK_LOG_LEVEL: "error", ...env } });
  let out = "";
  let err = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (err += c));
  const exit = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(exit, err).toBe(0);
  return JSON.parse(out.trim().split("\n").at(-1) as string);
}

const expected = {
  runtime: "bun",
  first: 2,
  again: 1,
  rows: [1, 2, 3].map((m) => ({ metric_timestamp: new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString(), metric_value: m + 0.25 })),
};

describe("warehouse stores under Bun", () => {
  it("BigQuery (the client gzips its request bodies under Bun; the stand-in reads both)", async () => {
    expect(await underBun("bigquery", "metrics.metrics")).toEqual(expected);
    const merge = bigquery.calls("POST", "/projects/bun-proj/queries").find((r) => String(r.body?.query).startsWith("MERGE"));
    expect(merge?.contentEncoding).toBe("gzip");
  });

  it("Snowflake", async () => {
    expect(await underBun("snowflake", "ANOMSTACK.METRICS.METRICS")).toEqual(expected);
    expect(snowflake.calls("/queries/v1/query-request").map((r) => String(r.body?.sqlText).split(/\s/)[0])).toContain("BEGIN");
  });
});
