// The SQL examples: those on DuckDB run here (offline) and are checked for their metric names and values;
// those for other databases are checked for their config and rendered SQL, and their run is skipped, saying
// why, until the database's store is on main (branch dbs).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderTemplate, type BatchConfig } from "../../f/anomstack/config/index.ts";
import { closeAllDuckdbInstances, openDuckdbStore } from "../../f/anomstack/store/duckdb/store.ts";
import { openMetricsStore } from "../../f/anomstack/store/open.ts";
import { byName, loadExample, runExampleIngest } from "./helpers/run-example.ts";

const NOW = new Date("2024-03-06T10:30:00Z");
const NOW_SQL = "'2024-03-06 10:30:00'";

afterAll(async () => {
  await closeAllDuckdbInstances();
});

/** The example's ingest_sql, rendered for NOW. */
function ingestSql(cfg: BatchConfig): string {
  return renderTemplate(cfg, "ingest_sql", { now: NOW });
}

/** The raw rows of a DuckDB example's ingest_sql (before rounding), from a DuckDB in memory. */
async function rawRows(batch: string): Promise<Record<string, number>> {
  const store = await openDuckdbStore({ path: ":memory:" });
  try {
    const rows = await store.query<{ metric_name: string; metric_value: number }>(ingestSql(loadExample(batch)));
    return Object.fromEntries(rows.map((r) => [r.metric_name, Number(r.metric_value)]));
  } finally {
    await store.close();
  }
}

/** Whether this build has a store for `db` (on main today: duckdb and postgres). */
async function storeAvailable(db: string): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-probe-"));
  try {
    const store = await openMetricsStore({ db, table_key: "metrics", metric_batch: "probe" } as BatchConfig, {
      ANOMSTACK_SQLITE_PATH: path.join(dir, "p.db"),
    });
    await store.close();
    return true;
  } catch (e) {
    if (/is not supported yet/.test((e as Error).message)) return false;
    throw e;
  }
}
const sqliteReady = await storeAvailable("sqlite");
const S3_LOCAL = {
  ANOMSTACK_AWS_ACCESS_KEY_ID: "x",
  ANOMSTACK_AWS_SECRET_ACCESS_KEY: "y",
  ANOMSTACK_MODEL_PATH: `local://${fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-s3-stand-in-"))}`,
};

describe("DuckDB examples (run here)", () => {
  it("sales: deals created (0..2), sold (0..1) and their ratio from the same draws", async () => {
    const { rows } = await runExampleIngest("sales", NOW);
    expect(rows.map((r) => r.metric_name)).toEqual(["sales_pipeline_deals_created", "sales_pipeline_deals_sold", "sales_pipeline_success_rate"]);
    expect(rows.every((r) => r.metric_timestamp.getTime() === NOW.getTime())).toBe(true);
    for (let i = 0; i < 5; i++) {
      const raw = await rawRows("sales");
      expect(raw.sales_pipeline_deals_created).toBeGreaterThanOrEqual(0);
      expect(raw.sales_pipeline_deals_created).toBeLessThan(2);
      expect(raw.sales_pipeline_deals_sold).toBeLessThan(1);
      expect(raw.sales_pipeline_success_rate).toBe(raw.sales_pipeline_deals_sold / raw.sales_pipeline_deals_created);
    }
  });

  it("users: total, active and active rate for ireland, usa and eu from a template loop", async () => {
    const { rows } = await runExampleIngest("users", NOW);
    const names = ["ireland", "usa", "eu"].flatMap((g) => [`users_active_${g}`, `users_active_rate_${g}`, `users_total_${g}`]).sort();
    expect(rows.map((r) => r.metric_name)).toEqual(names);
    const raw = await rawRows("users");
    for (const g of ["ireland", "usa", "eu"]) {
      expect(raw[`users_total_${g}`]).toBeLessThan(200);
      expect(raw[`users_active_${g}`]).toBeLessThan(50);
      expect(raw[`users_active_rate_${g}`]).toBe(raw[`users_active_${g}`] / raw[`users_total_${g}`]);
    }
  });

  it("example_jinja, example_sql_file and s3_example_simple: random metrics in 0..1 at now", async () => {
    const expected: Record<string, string[]> = {
      example_jinja: ["metric_1", "metric_2", "metric_3"],
      example_sql_file: ["metric_1", "metric_2"],
      s3_example_simple: ["metric_1", "metric_2", "metric_3"],
    };
    for (const [batch, names] of Object.entries(expected)) {
      // Every job opens the batch's model store, which refuses s3:// today: a local one stands in here.
      const env = batch === "s3_example_simple" ? { ...S3_LOCAL } : {};
      const { rows } = await runExampleIngest(batch, NOW, env);
      expect(
        rows.map((r) => r.metric_name),
        batch,
      ).toEqual(names);
      expect(
        rows.every((r) => r.metric_value >= 0 && r.metric_value <= 1 && r.metric_timestamp.getTime() === NOW.getTime()),
        batch,
      ).toBe(true);
    }
  });

  it("s3_example_simple keeps its table in the tmp schema and needs the AWS keys", async () => {
    // its own model_path is refused when it loads until the S3 model store exists (below); a local one stands in
    const cfg = loadExample("s3_example_simple", { ANOMSTACK_MODEL_PATH: S3_LOCAL.ANOMSTACK_MODEL_PATH });
    expect(cfg.table_key).toBe("tmp.metrics");
    await expect(runExampleIngest("s3_example_simple", NOW, { ANOMSTACK_MODEL_PATH: S3_LOCAL.ANOMSTACK_MODEL_PATH })).rejects.toThrow(
      "s3_example_simple ingest: needs ANOMSTACK_AWS_ACCESS_KEY_ID, ANOMSTACK_AWS_SECRET_ACCESS_KEY (requires_env)",
    );
  });

  // The model store of s3:// is another issue's; today the loader refuses the scheme, so the batch cannot
  // be switched on with its own model_path.
  it.skip("s3_example_simple runs its jobs with the models in S3: needs this port's S3 model store (not built yet)", () => {});
  it("s3_example_simple: until then, switching it on says s3:// is not supported, naming the file and key", () => {
    expect(() => loadExample("s3_example_simple")).toThrow(
      's3_example_simple.model_path: scheme "s3://" is not supported (supported: local://DIR); got "s3://anomstack-example/models"',
    );
  });
});

describe("examples for other databases (validated; run when their store is on main)", () => {
  const cases: { batch: string; db: string; contains: string[] }[] = [
    {
      batch: "bigquery_example_simple",
      db: "bigquery",
      contains: [`timestamp(${NOW_SQL})`, "'random_1'", "'random_3'", "safe.ln(rand() * 10)"],
    },
    { batch: "freq_example", db: "bigquery", contains: [`timestamp(${NOW_SQL})`, "'freq_random_1'", "'freq_random_3'"] },
    {
      batch: "gsod",
      db: "bigquery",
      contains: [
        `date_sub(date(timestamp(${NOW_SQL})), interval 5 day)`,
        "`bigquery-public-data.noaa_gsod.gsod*`",
        "concat('gsod_', geo, '_temp_max')",
      ],
    },
    {
      batch: "gtrends",
      db: "bigquery",
      contains: [
        `date_sub(date(timestamp(${NOW_SQL})), interval 3 day)`,
        "unpivot (metric_value for metric_name in (score_avg, score_min, score_max, score_sum, score_p50, score_p90))",
      ],
    },
    {
      batch: "snowflake_example_simple",
      db: "snowflake",
      contains: [`to_timestamp_ntz(${NOW_SQL})`, "uniform(0::float, 1::float, random())", "'metric_3'"],
    },
    {
      batch: "weather_forecast",
      db: "snowflake",
      contains: [
        `dateadd(day, 3, to_date(to_timestamp_ntz(${NOW_SQL})))`,
        "global_weather__climate_data_for_bi.standard_tile.forecast_day",
        "'_avg_snowfall_in'",
      ],
    },
    { batch: "sqlite_example_simple", db: "sqlite", contains: [`select ${NOW_SQL} as metric_timestamp`, "random() / 9223372036854775807.0"] },
    { batch: "clickhouse_example_simple", db: "clickhouse", contains: [`toDateTime(${NOW_SQL}, 'UTC')`, "rand() / 4294967295"] },
  ];
  for (const c of cases) {
    it(`${c.batch}: loads as a ${c.db} batch and renders its ingest_sql and every job template`, () => {
      const cfg = loadExample(c.batch);
      expect(cfg.db).toBe(c.db);
      const sql = ingestSql(cfg);
      for (const part of c.contains) expect(sql).toContain(part);
      expect(sql).not.toMatch(/{{|{%/);
      for (const key of Object.keys(cfg).filter((k) => k.endsWith("_sql") && k !== "ingest_sql")) {
        expect(typeof renderTemplate(cfg, key, { now: NOW, last_n: 10, score_history_n: 10 }), key).toBe("string");
      }
    });
  }

  it("bigquery_example_simple tags its metrics p1..p3", () => {
    expect(loadExample("bigquery_example_simple").metric_tags).toEqual({
      random_1: { priority: "p1" },
      random_2: { priority: "p2" },
      random_3: { priority: "p3" },
    });
  });

  it("freq_example resamples to 10-minute means before differencing, smoothing and lags", () => {
    expect(loadExample("freq_example").preprocess_params).toEqual({ diff_n: 1, smooth_n: 3, lags_n: 5, freq: "10min", freq_agg: "mean" });
  });

  it.skipIf(!sqliteReady)("sqlite_example_simple: ingests into a SQLite file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-sqlite-example-"));
    const { rows } = await runExampleIngest("sqlite_example_simple", NOW, { ANOMSTACK_SQLITE_PATH: path.join(dir, "x.db") });
    expect(Object.keys(byName(rows))).toEqual(["metric_1", "metric_2"]);
    expect(rows.every((r) => r.metric_value >= 0 && r.metric_value <= 1)).toBe(true);
  });
  it.skipIf(sqliteReady)("sqlite_example_simple: runs once the SQLite store is on main (branch dbs); this build has none", () => {});
  it.skip("bigquery_example_simple, freq_example, gsod, gtrends: run on BigQuery: need the BigQuery store (branch dbs, not on main yet) and a GCP project", () => {});
  it.skip("snowflake_example_simple, weather_forecast: run on Snowflake: need the Snowflake store (branch dbs, not on main yet) and an account", () => {});
  it.skip("clickhouse_example_simple: runs on ClickHouse: needs the ClickHouse store (branch dbs, not on main yet) and a server", () => {});
});
