// Tests of the typed per-batch env overrides ANOMSTACK__<BATCH>__<PARAM>=value.
import { describe, expect, it } from "vitest";
import { batchEnvName, resolveDuckdbLockTimeout, type ConfigError, loadBatch, loadConfig } from "../../f/anomstack/config/index.ts";
import { caught, makeMetricsDir, writeBatch, writeFile } from "./helpers.ts";

function load(env: Record<string, string>, extra = "") {
  const dir = makeMetricsDir();
  const file = writeBatch(dir, "b", extra);
  return { dir, file, run: () => loadBatch("b", { metricsDir: dir, env }) };
}

describe("env overrides", () => {
  it("builds the batch part of the name from metric_batch", () => {
    expect(batchEnvName("my-batch.v2")).toBe("MY_BATCH_V2");
    expect(batchEnvName("weather")).toBe("WEATHER");
  });

  it("converts values to the key's type", () => {
    const cfg = load({
      ANOMSTACK__B__ALERT_THRESHOLD: "0.95",
      ANOMSTACK__B__TRAIN_MAX_N: "100",
      ANOMSTACK__B__DISABLE_DASHBOARD: "false",
      ANOMSTACK__B__ALERT_ALWAYS: "yes",
      ANOMSTACK__B__DISABLE_LLMALERT: "0",
      ANOMSTACK__B__LLMALERT_MODEL: "random",
      ANOMSTACK__B__INGEST_DEFAULT_SCHEDULE_STATUS: "RUNNING",
      ANOMSTACK__B__ALERT_EXCLUDE_METRICS: '["a", "b"]',
      ANOMSTACK__B__SCORE_EXCLUDE_METRICS: "x, y",
      ANOMSTACK__B__PREPROCESS_PARAMS: "{smooth_n: 7}",
      ANOMSTACK__B__TABLE_KEY: "123",
    }).run();
    expect(cfg).toMatchObject({
      alert_threshold: 0.95,
      train_max_n: 100,
      disable_dashboard: false,
      alert_always: true,
      disable_llmalert: false,
      llmalert_model: "random",
      ingest_default_schedule_status: "RUNNING",
      alert_exclude_metrics: ["a", "b"],
      score_exclude_metrics: ["x", "y"],
      preprocess_params: { diff_n: 0, smooth_n: 7, lags_n: 0, freq: null, freq_agg: "mean" },
      table_key: "123",
    });
  });

  it("wins over the batch YAML and over the global vars", () => {
    const cfg = load(
      { ANOMSTACK__B__ALERT_THRESHOLD: "0.5", ANOMSTACK_MODEL_PATH: "local://./global", ANOMSTACK__B__MODEL_PATH: "local://./mine" },
      "alert_threshold: 0.9\n",
    ).run();
    expect(cfg.alert_threshold).toBe(0.5);
    expect(cfg.model_path).toBe("local://./mine");
  });

  it("applies only to its own batch, including names with dashes", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "a");
    writeFile(dir, "x.yaml", "metric_batch: my-batch\ningest_sql: select 1\n");
    const { batches } = loadConfig({ metricsDir: dir, env: { ANOMSTACK__MY_BATCH__ALERT_THRESHOLD: "0.1" } });
    expect(batches.get("my-batch")!.alert_threshold).toBe(0.1);
    expect(batches.get("a")!.alert_threshold).toBe(0.6);
  });

  it("can switch a batch off and back on with DISABLE_BATCH", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "on");
    writeBatch(dir, "off", "disable_batch: true\n");
    const loaded = loadConfig({ metricsDir: dir, env: { ANOMSTACK__ON__DISABLE_BATCH: "true", ANOMSTACK__OFF__DISABLE_BATCH: "false" } });
    expect([...loaded.batches.keys()]).toEqual(["off"]);
    expect(loaded.disabled).toEqual(["on"]);
  });

  it("rejects a non-number for a number key, naming the env var", () => {
    const { file, run } = load({ ANOMSTACK__B__ALERT_THRESHOLD: "abc" });
    expect(caught(run).message).toBe(`${file}: b.alert_threshold: env ANOMSTACK__B__ALERT_THRESHOLD: expected a number, got "abc"`);
  });

  it("rejects a non-boolean for a flag, naming the env var", () => {
    const { file, run } = load({ ANOMSTACK__B__DISABLE_BATCH: "maybe" });
    expect(caught(run).message).toBe(
      `${file}: b.disable_batch: env ANOMSTACK__B__DISABLE_BATCH: expected a boolean (true/false, yes/no, 1/0), got "maybe"`,
    );
  });

  it("rejects unknown keys with a suggestion", () => {
    const { file, run } = load({ ANOMSTACK__B__ALERT_TRESHOLD: "0.9" });
    expect(caught(run).message).toBe(`${file}: b.alert_treshold: env ANOMSTACK__B__ALERT_TRESHOLD: unknown key, did you mean \`alert_threshold\`?`);
  });

  it("reports schema problems of overridden values with the env var", () => {
    const { file, run } = load({ ANOMSTACK__B__TRAIN_MAX_N: "2.5", ANOMSTACK__B__DB: "mysql" });
    const err = caught(run) as ConfigError;
    expect(err.message).toBe(
      [
        `${file}: b.db: invalid value "mysql"; expected one of: duckdb, postgres, sqlite, clickhouse, bigquery, snowflake, motherduck (value from env ANOMSTACK__B__DB)`,
        `${file}: b.train_max_n: expected integer, got number 2.5 (value from env ANOMSTACK__B__TRAIN_MAX_N)`,
      ].join("\n"),
    );
  });

  it("rejects overriding metric_batch or derived keys, and unparseable mappings", () => {
    const { file, run } = load({ ANOMSTACK__B__SOURCE_DIR: "/x", ANOMSTACK__B__PREPROCESS_PARAMS: "[1" });
    expect(caught(run).message).toBe(
      [
        `${file}: b.preprocess_params: env ANOMSTACK__B__PREPROCESS_PARAMS: cannot parse value as YAML/JSON: Flow sequence must end with a ]`,
        `${file}: b.source_dir: env ANOMSTACK__B__SOURCE_DIR: this key cannot be overridden from the environment`,
      ].join("\n"),
    );
  });
});

describe("ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS", () => {
  it("is a number of seconds, unset means the store's default, anything else is refused naming the variable", () => {
    expect(resolveDuckdbLockTimeout({})).toBeUndefined();
    expect(resolveDuckdbLockTimeout({ ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS: " 2.5 " })).toBe(2.5);
    expect(resolveDuckdbLockTimeout({ ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS: "0" })).toBe(0);
    expect(() => resolveDuckdbLockTimeout({ ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS: "soon" })).toThrow(
      'ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS must be a number of seconds >= 0; got "soon"',
    );
  });
});
