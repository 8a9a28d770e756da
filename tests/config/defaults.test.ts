// Tests of metrics/defaults/defaults.yaml through the loader: every default is present and typed,
// and the stage helpers read the per-stage switches and schedules.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_KEYS, DERIVED_KEYS, STAGE_NAMES, isStageEnabled, loadBatch, stageSchedule } from "../../f/anomstack/config/index.ts";
import { isOptionalAt } from "../../f/anomstack/config/introspect.ts";
import { REAL_METRICS_DIR, makeMetricsDir, writeBatch } from "./helpers.ts";

const defaultsYaml = parse(fs.readFileSync(path.join(REAL_METRICS_DIR, "defaults", "defaults.yaml"), "utf8")) as Record<string, unknown>;

describe("defaults.yaml", () => {
  it("sets every required schema key except the batch-only and derived ones, and nothing else", () => {
    const batchOnly = ["metric_batch", ...DERIVED_KEYS];
    const required = CONFIG_KEYS.filter((k) => !isOptionalAt([k]) && !batchOnly.includes(k));
    expect(Object.keys(defaultsYaml).sort()).toEqual(required.sort());
  });

  it("drops the Python-only and dead keys", () => {
    for (const k of ["preprocess_fn", "prompt_fn", "ingest_sql", "ingest_fn", "disable_alerts"]) expect(defaultsYaml).not.toHaveProperty(k);
  });

  it("resolves into a batch with every default typed as documented", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "b");
    const cfg = loadBatch("b", { metricsDir: dir, env: {} });
    expect(cfg).toMatchObject({
      db: "duckdb",
      table_key: "metrics",
      model_path: "local://./models",
      model_combination_method: "mean",
      train_max_n: 2500,
      train_min_n: 14,
      train_metric_timestamp_max_days_ago: 90,
      score_max_n: 25,
      score_metric_timestamp_max_days_ago: 14,
      alert_threshold: 0.8,
      alert_methods: "email,slack",
      alert_always: false,
      alert_recent_n: 1,
      alert_smooth_n: 3,
      alert_snooze_n: 3,
      alert_max_n: 250,
      change_threshold: 3.5,
      change_detect_last_n: 1,
      llmalert_recent_n: 5,
      llmalert_model: "claude-sonnet-4-5",
      llmalert_metric_rounding: -1,
      llmalert_include_plot: true,
      delete_after_n_days: 365,
      ingest_metric_rounding: 4,
      score_metric_rounding: 4,
      dashboard_stale_metric_max_days_ago: 7,
      summary_metric_timestamp_max_days_ago: 1,
      preprocess_params: { diff_n: 1, smooth_n: 3, lags_n: 5, freq: null, freq_agg: "mean" },
      train_sql: "{% include './defaults/sql/train.sql' %}",
      tholdalert_sql: "{% include './defaults/sql/tholdalert.sql' %}",
      summary_sql: "{% include './defaults/sql/summary.sql' %}",
    });
    expect(cfg.model_configs).toEqual([
      { model_name: "PCA", model_tag: "pca_default", model_params: { contamination: 0.01 } },
      { model_name: "KNN", model_tag: "knn_default", model_params: { contamination: 0.01 } },
    ]);
    for (const stage of STAGE_NAMES) expect(typeof cfg[`disable_${stage}`]).toBe("boolean");
    expect(cfg.disable_batch).toBe(false);
    expect(cfg.disable_dashboard).toBe(false);
    expect(cfg.train_exclude_metrics).toBeUndefined();
  });

  it("enables every stage but llmalert and tholdalert; only the summary schedule runs", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "b");
    const cfg = loadBatch("b", { metricsDir: dir, env: {} });
    const enabled = STAGE_NAMES.filter((s) => isStageEnabled(cfg, s));
    expect(enabled).toEqual(["ingest", "train", "score", "alert", "change", "plot", "summary", "delete"]);
    const running = STAGE_NAMES.filter((s) => stageSchedule(cfg, s).status === "RUNNING");
    expect(running).toEqual(["summary"]);
    expect(stageSchedule(cfg, "ingest")).toEqual({ cron: "*/3 * * * *", status: "STOPPED" });
    expect(stageSchedule(cfg, "delete").cron).toBe("0 6 * * *");
  });

  it("lets disable_alert switch the alert stage off", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "b", "disable_alert: true\n");
    const cfg = loadBatch("b", { metricsDir: dir, env: {} });
    expect(isStageEnabled(cfg, "alert")).toBe(false);
    expect(isStageEnabled(cfg, "change")).toBe(true);
  });
});
