// Tests of every config error case, asserting the exact message text
// (`<file>: <batch>.<key>: <message>`) and the ConfigError fields.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadBatch, loadConfig } from "../../f/anomstack/config/index.ts";
import { caught, makeMetricsDir, writeBatch, writeFile } from "./helpers.ts";

/** Loads all batches of `dir` and returns the ConfigError thrown. */
function loadError(dir: string, env: Record<string, string> = {}): ConfigError {
  const err = caught(() => loadConfig({ metricsDir: dir, env }));
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

/** Writes one batch file with `yaml` and returns [file, error]. */
function batchError(yaml: string): [string, ConfigError] {
  const dir = makeMetricsDir();
  const file = writeFile(dir, "b.yaml", yaml);
  return [file, loadError(dir)];
}

describe("config errors", () => {
  it("missing metrics folder and missing defaults.yaml", () => {
    const dir = makeMetricsDir();
    const missing = path.join(dir, "nope");
    expect(loadError(missing).message).toBe(`${missing}: metrics folder not found (set ANOMSTACK_METRICS_DIR or pass metricsDir)`);
    fs.rmSync(path.join(dir, "defaults", "defaults.yaml"));
    const defaults = path.join(dir, "defaults", "defaults.yaml");
    const err = loadError(dir);
    expect(err.message).toBe(`${defaults}: defaults file not found; every metrics folder needs defaults/defaults.yaml`);
    expect(err.file).toBe(defaults);
  });

  it("YAML syntax error with line and column", () => {
    const [file, err] = batchError("metric_batch: b\ningest_sql: select 1\nalert_threshold: [0.5\n");
    expect(err.message).toBe(`${file}:4:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]`);
    expect(err.issues[0]).toMatchObject({ file, line: 4, col: 1 });
  });

  it("duplicate keys are a syntax error", () => {
    const [file, err] = batchError("metric_batch: b\ningest_sql: select 1\nmetric_batch: c\n");
    expect(err.message).toBe(`${file}:3:1: YAML syntax error: Map keys must be unique`);
  });

  it("a file that is not a mapping, or empty", () => {
    const [file, err] = batchError("- metric_batch: b\n");
    expect(err.message).toBe(`${file}: expected a YAML mapping (key: value lines) at the top level, got list`);
    const [empty, err2] = batchError("# nothing yet\n");
    expect(err2.message).toBe(`${empty}: file is empty; expected a YAML mapping (key: value lines)`);
  });

  it("missing or invalid metric_batch", () => {
    const [file, err] = batchError("ingest_sql: select 1\n");
    expect(err.message).toBe(`${file}: metric_batch: required key is missing; every batch YAML must set metric_batch`);
    expect(err.key).toBe("metric_batch");
    const [file2, err2] = batchError("metric_batch: 12\ningest_sql: select 1\n");
    expect(err2.message).toBe(`${file2}: metric_batch: expected a non-empty string, got number 12`);
  });

  it("unknown keys, with a suggestion when close", () => {
    const [file, err] = batchError(
      "metric_batch: b\ningest_sql: select 1\nalert_treshold: 0.9\nwhatever: 1\npreprocess_params:\n  smoth_n: 2\npreprocess_fn: x\nsource_dir: /x\n",
    );
    expect(err.message).toBe(
      [
        `${file}: b.source_dir: is set by the loader and cannot be configured`,
        `${file}: b.alert_treshold: unknown key, did you mean \`alert_threshold\`?`,
        `${file}: b.whatever: unknown key`,
        // a preprocess_fn may read keys of its own, but not one that looks like a typo of a default key
        `${file}: b.preprocess_params.smoth_n: unknown key, did you mean \`smooth_n\`?`,
        `${file}: b.preprocess_fn: must name a .ts module, got "x"`,
      ].join("\n"),
    );
    expect(err.batch).toBe("b");
    expect(err.file).toBe(file);
    expect(err.key).toBeUndefined();
    expect(err.issues).toHaveLength(5);
  });

  it("wrong types: expected vs received", () => {
    const [file, err] = batchError(
      "metric_batch: b\ningest_sql: select 1\nalert_threshold: high\ntrain_max_n: 2.5\ndisable_alert: 'no'\ntrain_exclude_metrics: [1]\nmetric_tags: {m: {a: null}}\nmodel_configs: {PCA: 1}\n",
    );
    expect(err.message).toBe(
      [
        `${file}: b.disable_alert: expected boolean, got string "no"`,
        `${file}: b.model_configs: expected list, got mapping`,
        `${file}: b.train_max_n: expected integer, got number 2.5`,
        `${file}: b.train_exclude_metrics[0]: expected string, got number 1`,
        `${file}: b.alert_threshold: expected number, got string "high"`,
        `${file}: b.metric_tags.m.a: expected string, number or boolean, got null`,
      ].join("\n"),
    );
  });

  it("a single wrong type sets the key field", () => {
    const [file, err] = batchError("metric_batch: b\ningest_sql: select 1\nalert_threshold: high\n");
    expect(err.message).toBe(`${file}: b.alert_threshold: expected number, got string "high"`);
    expect([err.file, err.batch, err.key]).toEqual([file, "b", "alert_threshold"]);
  });

  it("invalid enum values list the valid ones", () => {
    const [file, err] = batchError(
      "metric_batch: b\ningest_sql: select 1\ndb: mysql\nmodel_combination_method: median\npreprocess_params: {freq_agg: max}\nalert_default_schedule_status: running\n",
    );
    expect(err.message).toBe(
      [
        `${file}: b.db: invalid value "mysql"; expected one of: duckdb, postgres, sqlite, clickhouse, bigquery, snowflake, motherduck`,
        `${file}: b.alert_default_schedule_status: invalid value "running"; expected one of: RUNNING, STOPPED`,
        `${file}: b.model_combination_method: invalid value "median"; expected one of: mean, max, min`,
        `${file}: b.preprocess_params.freq_agg: invalid value "max"; expected one of: mean, sum`,
      ].join("\n"),
    );
  });

  it("invalid crons name the key", () => {
    const [file, err] = batchError("metric_batch: b\ningest_sql: select 1\ntrain_cron_schedule: '61 * * * *'\nscore_cron_schedule: '* * * *'\n");
    expect(err.message).toBe(
      [
        `${file}: b.train_cron_schedule: invalid cron expression "61 * * * *": Constraint error, got value 61 expected range 0-59`,
        `${file}: b.score_cron_schedule: invalid cron expression "* * * *": expected 5 fields (minute hour day-of-month month day-of-week) or 6 with leading seconds, got 4`,
      ].join("\n"),
    );
  });

  it("both or neither of ingest_sql and ingest_fn", () => {
    const dir = makeMetricsDir();
    writeFile(dir, "ingest.ts", "export function ingest() { return []; }\n");
    const both = writeFile(dir, "both.yaml", "metric_batch: both\ningest_sql: select 1\ningest_fn: ./ingest.ts\n");
    const neither = writeFile(dir, "neither.yaml", "metric_batch: neither\nalert_threshold: high\n");
    expect(loadError(dir).message).toBe(
      [
        `${both}: both: both ingest_sql and ingest_fn are set; set exactly one of them`,
        `${neither}: neither.alert_threshold: expected number, got string "high"`,
        `${neither}: neither: neither ingest_sql nor ingest_fn is set; set exactly one of them`,
      ].join("\n"),
    );
  });

  it("ingest_fn must be an existing .ts file relative to the YAML", () => {
    const dir = makeMetricsDir();
    const a = writeFile(dir, "sub/a.yaml", "metric_batch: a\ningest_fn: ./ingest.ts\n");
    const b = writeFile(dir, "sub/b.yaml", "metric_batch: b\ningest_fn: ingest.py\n");
    writeFile(dir, "sub/ingest.py", "");
    expect(loadError(dir).message).toBe(
      [`${a}: a.ingest_fn: file not found: ${path.join(dir, "sub", "ingest.ts")}`, `${b}: b.ingest_fn: must name a .ts module, got "ingest.py"`].join(
        "\n",
      ),
    );
  });

  it("duplicate batch names name both files", () => {
    const dir = makeMetricsDir();
    const first = writeBatch(dir, "dup");
    const second = writeFile(dir, "zz/other.yaml", "metric_batch: dup\ningest_sql: select 2\n");
    const err = loadError(dir);
    expect(err.message).toBe(`${second}: dup: duplicate metric_batch "dup": also defined in ${first}`);
    expect(caught(() => loadBatch("dup", { metricsDir: dir, env: {} })).message).toBe(err.message);
  });

  it("unknown batch lists the known ones with the closest name", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "weather");
    writeBatch(dir, "github");
    const err = caught(() => loadBatch("wether", { metricsDir: dir, env: {} }));
    expect(err.message).toBe(`unknown metric batch "wether"; did you mean "weather"? Known batches: github, weather`);
    const empty = makeMetricsDir();
    expect(caught(() => loadBatch("x", { metricsDir: empty, env: {} })).message).toBe(`unknown metric batch "x"; no batch YAML found under ${empty}`);
  });

  it("values coming from defaults.yaml are reported against defaults.yaml", () => {
    const dir = makeMetricsDir();
    const defaults = path.join(dir, "defaults", "defaults.yaml");
    fs.appendFileSync(defaults, "alert_threshold_x: 1\n");
    fs.writeFileSync(defaults, fs.readFileSync(defaults, "utf8").replace("score_max_n: 25", "score_max_n: lots"));
    writeBatch(dir, "b");
    expect(loadError(dir).message).toBe(
      [
        `${defaults}: b.score_max_n: expected integer, got string "lots"`,
        `${defaults}: b.alert_threshold_x: unknown key, did you mean \`alert_threshold\`?`,
      ].join("\n"),
    );
  });

  it("structural checks: thresholds and model tags", () => {
    const [file, err] = batchError(
      "metric_batch: b\ningest_sql: select 1\ntholdalert_thresholds:\n  cpu: {lower: 5, upper: 1}\n  mem: {}\nmodel_configs:\n  - {model_name: PCA, model_tag: t}\n  - {model_name: KNN, model_tag: t}\n",
    );
    expect(err.message).toBe(
      [
        `${file}: b.model_configs[1].model_tag: duplicate model_tag "t"`,
        `${file}: b.tholdalert_thresholds.cpu: lower (5) is greater than upper (1)`,
        `${file}: b.tholdalert_thresholds.mem: set at least one of upper or lower`,
      ].join("\n"),
    );
  });

  it("model tags that end with another tag load: models are keys inside a run's artifact, not file names", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "b", "model_configs:\n  - {model_name: KNN, model_tag: knn}\n  - {model_name: KNN, model_tag: fast_knn}\n");
    expect(loadBatch("b", { metricsDir: dir, env: {} }).model_configs.map((m) => m.model_tag)).toEqual(["knn", "fast_knn"]);
  });
  it("unknown model_name: the closest valid name and the list, when the config loads", () => {
    const [file, err] = batchError(
      "metric_batch: b\ningest_sql: select 1\nmodel_configs:\n  - {model_name: IForrest, model_tag: a}\n  - {model_name: iforest, model_tag: b}\n",
    );
    const names = "PCA, KNN, IForest, LOF, OCSVM, ECOD, COPOD, HBOS, MCD, MAD, RANGE, ZSCORE";
    expect(err.message).toBe(
      [
        `${file}: b.model_configs[0].model_name: unknown model_name "IForrest" (did you mean "IForest"?); valid names: ${names}`,
        `${file}: b.model_configs[1].model_name: unknown model_name "iforest" (did you mean "IForest"?); valid names: ${names}`,
      ].join("\n"),
    );
    expect(err.issues[0]).toMatchObject({ file, batch: "b", key: "model_configs[0].model_name" });
  });

  it("unknown or invalid model_params: the key, the closest accepted one, what a value must be", () => {
    const [file, err] = batchError(
      "metric_batch: b\ningest_sql: select 1\nmodel_configs:\n  - {model_name: IForest, model_tag: a, model_params: {n_estimator: 50, contamination: 0.9}}\n  - {model_name: LOF, model_tag: b, model_params: {n_neighbours: 10}}\n",
    );
    expect(err.issues.map((i) => [i.key, i.message])).toEqual([
      [
        "model_configs[0].model_params.n_estimator",
        expect.stringMatching(
          /^unknown model_params key "n_estimator" for IForest \(did you mean "n_estimators"\?\); allowed: n_estimators, max_samples, /,
        ),
      ],
      ["model_configs[0].model_params.contamination", "model_params.contamination for IForest must be a number in (0, 0.5], got 0.9"],
      [
        "model_configs[1].model_params.n_neighbours",
        expect.stringMatching(/^unknown model_params key "n_neighbours" for LOF \(did you mean "n_neighbors"\?\)/),
      ],
    ]);
    expect(err.issues.every((i) => i.file === file && i.batch === "b")).toBe(true);
  });

  it("a MAD model with lag features (PyOD's MAD is univariate)", () => {
    const [file, err] = batchError(
      "metric_batch: b\ningest_sql: select 1\npreprocess_params: {lags_n: 3}\nmodel_configs:\n  - {model_name: MAD, model_tag: mad}\n  - {model_name: MAD, model_tag: mad1, preprocess_params: {lags_n: 0}}\n",
    );
    expect(err.message).toBe(
      `${file}: b.model_configs[0].model_name: MAD is univariate (PyOD's MAD), but this model's features have lags_n = 3 lag columns; give it preprocess_params: {lags_n: 0}`,
    );
  });

  it("the PyOD models with their PyOD parameters load", () => {
    const dir = makeMetricsDir();
    writeFile(
      dir,
      "b.yaml",
      [
        "metric_batch: b",
        "ingest_sql: select 1",
        "model_configs:",
        "  - {model_name: IForest, model_tag: if, model_params: {n_estimators: 50, max_samples: auto, random_state: 42, contamination: 0.05}}",
        "  - {model_name: LOF, model_tag: lof, model_params: {n_neighbors: 10, algorithm: kd_tree}}",
        "  - {model_name: OCSVM, model_tag: svm, model_params: {nu: 0.1, gamma: scale, kernel: rbf}}",
        "  - {model_name: ECOD, model_tag: ecod}",
        "  - {model_name: COPOD, model_tag: copod, model_params: {n_jobs: 2}}",
        "  - {model_name: HBOS, model_tag: hbos, model_params: {n_bins: auto, alpha: 0.2}}",
        "  - {model_name: MCD, model_tag: mcd, model_params: {support_fraction: 0.8}}",
        "  - {model_name: MAD, model_tag: mad, model_params: {threshold: 3}}",
        "",
      ].join("\n"),
    );
    const cfg = loadBatch("b", { metricsDir: dir, env: {} });
    expect(cfg.model_configs.map((m) => m.model_name)).toEqual(["IForest", "LOF", "OCSVM", "ECOD", "COPOD", "HBOS", "MCD", "MAD"]);
  });
});
