// Tests of metrics/defaults/defaults.yaml through the loader: every default is present and typed,
// and the stage helpers read the per-stage switches and schedules.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_KEYS, DERIVED_KEYS, JOB_NAMES, isJobEnabled, loadBatch, jobSchedule } from "../../f/anomstack/config/index.ts";
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
      train_max_n: 2500,
      train_min_n: 14,
      train_metric_timestamp_max_days_ago: 90,
      score_max_n: 25,
      score_metric_timestamp_max_days_ago: 14,
      alert_threshold: 0.6,
      alert_methods: "email,slack",
      alert_always: false,
      alert_recent_n: 1,
      alert_smooth_n: 0,
      alert_snooze_n: 3,
      alert_max_n: 250,
      change_threshold: 3.5,
      change_detect_last_n: 1,
      llmalert_recent_n: 5,
      llmalert_model: "claude-sonnet-5-5",
      llmalert_metric_rounding: -1,
      llmalert_include_plot: true,
      delete_after_n_days: 365,
      ingest_metric_rounding: 4,
      score_metric_rounding: 4,
      dashboard_stale_metric_max_days_ago: 7,
      summary_metric_timestamp_max_days_ago: 1,
      preprocess_params: { diff_n: 0, smooth_n: 0, lags_n: 0, freq: null, freq_agg: "mean" },
      detector_preset: "default",
      score_calibration: "range",
      score_suppress_n: 100,
      train_sql: "{% include './defaults/sql/train.sql' %}",
      tholdalert_sql: "{% include './defaults/sql/tholdalert.sql' %}",
      summary_sql: "{% include './defaults/sql/summary.sql' %}",
    });
    expect(cfg.model_configs).toEqual([
      { model_name: "RANGE", model_tag: "level", model_params: { noise_floor: 4, pad: 0.75 } },
      { model_name: "RANGE", model_tag: "level_smooth", model_params: { floor: 4 }, preprocess_params: { smooth_n: 24 } },
      { model_name: "RANGE", model_tag: "hour_of_day", model_params: { seasonal: "hour_of_day", noise_floor: 4, pad: 0.75 } },
      {
        model_name: "RANGE",
        model_tag: "local",
        model_params: { seasonal: "hour_of_day", local_n: 36, noise_floor: 4, pad: 0.75, trim_excursions: 3 },
      },
    ]);
    expect(cfg.score_suppress_quiet_n).toBe(6);
    expect(cfg.model_combination_method).toBe("max");
    for (const stage of JOB_NAMES) expect(typeof cfg[`disable_${stage}`]).toBe("boolean");
    expect(cfg.disable_batch).toBe(false);
    expect(cfg.disable_dashboard).toBe(false);
    expect(cfg.train_exclude_metrics).toBeUndefined();
  });

  it("enables every job but llmalert and tholdalert; only the summary schedule runs", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "b");
    const cfg = loadBatch("b", { metricsDir: dir, env: {} });
    const enabled = JOB_NAMES.filter((s) => isJobEnabled(cfg, s));
    expect(enabled).toEqual(["ingest", "train", "score", "alert", "change", "deliver", "plot", "delete", "summary"]);
    const running = JOB_NAMES.filter((s) => jobSchedule(cfg, s).status === "RUNNING");
    expect(running).toEqual(["summary"]);
    expect(jobSchedule(cfg, "ingest")).toEqual({ cron: "*/3 * * * *", status: "STOPPED" });
    expect(jobSchedule(cfg, "delete").cron).toBe("0 6 * * *");
  });

  it("lets disable_alert switch the alert stage off", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "b", "disable_alert: true\n");
    const cfg = loadBatch("b", { metricsDir: dir, env: {} });
    expect(isJobEnabled(cfg, "alert")).toBe(false);
    expect(isJobEnabled(cfg, "change")).toBe(true);
  });
});

describe("detector_preset", () => {
  it("original restores the original Anomstack's detector, under the batch's own keys", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "o", "detector_preset: original\n");
    writeBatch(dir, "p", "detector_preset: original\nalert_threshold: 0.9\npreprocess_params:\n  lags_n: 2\n");
    const o = loadBatch("o", { metricsDir: dir, env: {} });
    expect(o).toMatchObject({
      detector_preset: "original",
      preprocess_params: { diff_n: 1, smooth_n: 3, lags_n: 5, freq: null, freq_agg: "mean" },
      model_combination_method: "mean",
      score_calibration: "minmax",
      score_suppress_n: 0,
      alert_threshold: 0.8,
      alert_smooth_n: 3,
      alert_snooze_n: 3,
    });
    expect(o.model_configs).toEqual([
      { model_name: "PCA", model_tag: "pca_default", model_params: { contamination: 0.01 } },
      { model_name: "KNN", model_tag: "knn_default", model_params: { contamination: 0.01 } },
    ]);
    const p = loadBatch("p", { metricsDir: dir, env: {} });
    expect(p.alert_threshold).toBe(0.9);
    expect(p.preprocess_params).toEqual({ diff_n: 1, smooth_n: 3, lags_n: 2, freq: null, freq_agg: "mean" });
  });

  it("can be chosen by an env override, and an unknown preset is reported", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "e");
    const cfg = loadBatch("e", { metricsDir: dir, env: { ANOMSTACK__E__DETECTOR_PRESET: "original" } });
    expect(cfg.score_calibration).toBe("minmax");
    expect(cfg.model_configs.map((m) => m.model_name)).toEqual(["PCA", "KNN"]);
    writeBatch(dir, "u", "detector_preset: newest\n");
    expect(() => loadBatch("u", { metricsDir: dir, env: {} })).toThrow(/detector_preset/);
  });
});
