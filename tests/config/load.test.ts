// Tests of loadConfig/loadBatch: discovery, deep merge, global env vars, examples switch,
// derived keys, ingest_fn and the path helpers.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ingestFnPath, loadBatch, loadConfig, resolveDuckdbPath, resolveMetricsDir } from "../../f/anomstack/config/index.ts";
import { makeMetricsDir, writeBatch, writeFile } from "./helpers.ts";

describe("loadConfig", () => {
  it("finds every *.yaml / *.yml outside defaults/, sorted by name, with derived paths", () => {
    const dir = makeMetricsDir();
    const zeta = writeFile(dir, "a/deep/zeta.yml", "metric_batch: zeta\ningest_sql: select 1\n");
    writeBatch(dir, "alpha");
    writeFile(dir, "defaults/extra.yaml", "not: a batch\n");
    writeFile(dir, "notes.txt", "ignored");
    const loaded = loadConfig({ metricsDir: dir, env: {} });
    expect(loaded.metricsDir).toBe(dir);
    expect([...loaded.batches.keys()]).toEqual(["alpha", "zeta"]);
    expect(loaded.disabled).toEqual([]);
    const z = loaded.batches.get("zeta")!;
    expect(z.metrics_dir).toBe(dir);
    expect(z.source_file).toBe(zeta);
    expect(z.source_dir).toBe(path.join(dir, "a", "deep"));
  });

  it("deep-merges nested maps and replaces lists", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "b", "preprocess_params:\n  smooth_n: 7\nmodel_configs:\n  - model_name: PCA\n    model_tag: only\n");
    const cfg = loadBatch("b", { metricsDir: dir, env: {} });
    expect(cfg.preprocess_params).toEqual({ diff_n: 0, smooth_n: 7, lags_n: 0, freq: null, freq_agg: "mean" });
    expect(cfg.model_configs).toEqual([{ model_name: "PCA", model_tag: "only", model_params: {} }]);
  });

  it("keeps batch-only optional keys and treats an empty optional key as unset", () => {
    const dir = makeMetricsDir();
    writeBatch(
      dir,
      "b",
      'train_exclude_metrics:\nalert_exclude_metrics: [a, "b\'c"]\ntholdalert_thresholds:\n  cpu: {upper: 90}\n  mem: {lower: 1, upper: 2.5}\nmetric_tags:\n  cpu: {team: infra, priority: 1, page: true}\n',
    );
    const cfg = loadBatch("b", { metricsDir: dir, env: {} });
    expect(cfg.train_exclude_metrics).toBeUndefined();
    expect(cfg.alert_exclude_metrics).toEqual(["a", "b'c"]);
    expect(cfg.tholdalert_thresholds).toEqual({ cpu: { upper: 90 }, mem: { lower: 1, upper: 2.5 } });
    expect(cfg.metric_tags).toEqual({ cpu: { team: "infra", priority: 1, page: true } });
  });

  it("lists disabled batches separately and refuses to load them by name", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "on");
    const off = writeBatch(dir, "off", "disable_batch: true\n");
    const loaded = loadConfig({ metricsDir: dir, env: {} });
    expect([...loaded.batches.keys()]).toEqual(["on"]);
    expect(loaded.disabled).toEqual(["off"]);
    expect(() => loadBatch("off", { metricsDir: dir, env: {} })).toThrow(
      `${off}: off: batch is disabled (disable_batch is true, from ${off}); switch it on with ANOMSTACK__OFF__DISABLE_BATCH=false`,
    );
  });

  it("says why a batch is off, which variable switches it on and which required variables are missing", () => {
    const dir = makeMetricsDir();
    const creds = writeBatch(
      dir,
      "creds",
      "disable_batch: true\ndescription: Traffic from an API\nrequires_env: [TRAFFIC_KEY, OTHER_KEY]\nrequires_network: true\n",
    );
    writeBatch(dir, "by-env");
    const loaded = loadConfig({ metricsDir: dir, env: { ANOMSTACK__BY_ENV__DISABLE_BATCH: "yes", OTHER_KEY: "x" } });
    expect(loaded.disabledBatches).toEqual([
      {
        name: "by-env",
        file: path.join(dir, "by-env/by-env.yaml"),
        disabledBy: { kind: "env", name: "ANOMSTACK__BY_ENV__DISABLE_BATCH" },
        enableWith: "ANOMSTACK__BY_ENV__DISABLE_BATCH=false",
        description: undefined,
        requiresEnv: [],
        missingEnv: [],
        requiresNetwork: false,
        db: "duckdb",
      },
      {
        name: "creds",
        file: creds,
        disabledBy: { kind: "batch", file: creds },
        enableWith: "ANOMSTACK__CREDS__DISABLE_BATCH=false",
        description: "Traffic from an API",
        requiresEnv: ["TRAFFIC_KEY", "OTHER_KEY"],
        missingEnv: ["TRAFFIC_KEY"],
        requiresNetwork: true,
        db: "duckdb",
      },
    ]);
    // switched on, the same batch loads and keeps its description and requirements
    const on = loadBatch("creds", { metricsDir: dir, env: { ANOMSTACK__CREDS__DISABLE_BATCH: "false" } });
    expect(on.requires_env).toEqual(["TRAFFIC_KEY", "OTHER_KEY"]);
    expect(on.description).toBe("Traffic from an API");
  });

  it("applies ANOMSTACK_MODEL_PATH everywhere and ANOMSTACK_TABLE_KEY unless the batch sets table_key", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "plain");
    writeBatch(dir, "own", "table_key: own.metrics\nmodel_path: local://./own\n");
    const env = { ANOMSTACK_MODEL_PATH: "local:///srv/models", ANOMSTACK_TABLE_KEY: "tmp.metrics" };
    const { batches } = loadConfig({ metricsDir: dir, env });
    expect(batches.get("plain")).toMatchObject({ model_path: "local:///srv/models", table_key: "tmp.metrics" });
    expect(batches.get("own")).toMatchObject({ model_path: "local:///srv/models", table_key: "own.metrics" });
    const unset = loadConfig({ metricsDir: dir, env: { ANOMSTACK_MODEL_PATH: "", ANOMSTACK_TABLE_KEY: undefined } });
    expect(unset.batches.get("plain")).toMatchObject({ model_path: "local://./models", table_key: "metrics" });
  });

  it("skips <metricsDir>/examples only when ANOMSTACK_IGNORE_EXAMPLES=yes", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "mine");
    writeFile(dir, "examples/ex/ex.yaml", "metric_batch: ex\ningest_sql: select 1\n");
    writeFile(dir, "more/examples/ex2.yaml", "metric_batch: ex2\ningest_sql: select 1\n");
    expect([...loadConfig({ metricsDir: dir, env: {} }).batches.keys()]).toEqual(["ex", "ex2", "mine"]);
    expect([...loadConfig({ metricsDir: dir, env: { ANOMSTACK_IGNORE_EXAMPLES: "yes" } }).batches.keys()]).toEqual(["ex2", "mine"]);
    expect([...loadConfig({ metricsDir: dir, env: { ANOMSTACK_IGNORE_EXAMPLES: "no" } }).batches.keys()]).toEqual(["ex", "ex2", "mine"]);
  });

  it("takes the metrics folder from ANOMSTACK_METRICS_DIR", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "b");
    expect(loadConfig({ env: { ANOMSTACK_METRICS_DIR: dir } }).metricsDir).toBe(dir);
    expect(resolveMetricsDir({ ANOMSTACK_METRICS_DIR: dir })).toBe(dir);
    expect(resolveMetricsDir({})).toBe(path.resolve("metrics"));
  });

  it("loadBatch ignores broken unrelated files", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "good");
    writeFile(dir, "broken.yaml", "metric_batch: broken\nalert_threshold: high\n");
    writeFile(dir, "syntax.yaml", "a: [1\n");
    expect(loadBatch("good", { metricsDir: dir, env: {} }).metric_batch).toBe("good");
  });

  it("accepts an ingest_fn module next to the YAML and resolves its path", () => {
    const dir = makeMetricsDir();
    writeFile(dir, "py/ingest.ts", "export async function ingest() { return []; }\n");
    writeFile(dir, "py/py.yaml", "metric_batch: py\ningest_fn: ./ingest.ts\n");
    const cfg = loadBatch("py", { metricsDir: dir, env: {} });
    expect(cfg.ingest_fn).toBe("./ingest.ts");
    expect(cfg.ingest_sql).toBeUndefined();
    expect(ingestFnPath(cfg)).toBe(path.join(dir, "py", "ingest.ts"));
  });

  it("accepts 6-field crons with seconds", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "b", "ingest_cron_schedule: '30 */2 * * * *'\n");
    expect(loadBatch("b", { metricsDir: dir, env: {} }).ingest_cron_schedule).toBe("30 */2 * * * *");
  });
});

describe("resolveDuckdbPath", () => {
  it("reads ANOMSTACK_DUCKDB_PATH with a default", () => {
    expect(resolveDuckdbPath({})).toBe("./data/anomstack.duckdb");
    expect(resolveDuckdbPath({ ANOMSTACK_DUCKDB_PATH: "md:prod" })).toBe("md:prod");
  });
});
