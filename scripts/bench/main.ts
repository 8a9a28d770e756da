// `npm run bench`: speed of train + score (PCA + KNN, and the shipped default and robust detectors, 2,500
// points per metric) in metrics per second, of each other PyOD model alone (IForest, LOF, OCSVM, ECOD, COPOD, HBOS, MCD, MAD), and of
// appending rows to the DuckDB store in rows per second. `--json` prints one JSON object.
// Single-threaded on purpose: JS runs on one core, and DuckDB is limited to one thread here.
// `npm run bench:bun` runs the same under Bun, the runtime of Windmill's workers.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { combineProbabilities, predictProba, preprocess, trainModel, type ModelConfig } from "../../f/anomstack/ml/index.ts";
import { closeAllDuckdbInstances, openDuckdbStore } from "../../f/anomstack/store/duckdb/store.ts";
import { wrangleIngested } from "../../f/anomstack/jobs/wrangle.ts";
import type { MetricRow } from "../../f/anomstack/store/metric-row.ts";
import { trainMetricModels } from "../../f/anomstack/jobs/train.ts";
import { scoreHistoryN, scoreSeries } from "../../f/anomstack/jobs/batch-detector.ts";
import { evalBatchConfig } from "../eval/replay-run.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    metrics: { type: "string", default: "200" },
    warmup: { type: "string", default: "20" },
    rows: { type: "string", default: "1000000" },
    // Metrics timed per PyOD model (after 2 warm-up metrics); 0 skips them.
    "model-metrics": { type: "string", default: "10" },
  },
});

const MODEL_CONFIGS: ModelConfig[] = [
  { model_name: "PCA", model_tag: "pca_default", model_params: { contamination: 0.01 } },
  { model_name: "KNN", model_tag: "knn_default", model_params: { contamination: 0.01 } },
];
const PREPROCESS = { diff_n: 1, smooth_n: 3, lags_n: 5, freq: null, freq_agg: "mean" as const };
/** The other PyOD models, each timed alone with its PyOD defaults (MAD on the univariate feature). */
const PYOD_BENCH: { name: string; preprocess: typeof PREPROCESS }[] = ["IForest", "LOF", "OCSVM", "ECOD", "COPOD", "HBOS", "MCD", "MAD"].map(
  (name) => ({
    name,
    preprocess: name === "MAD" ? { ...PREPROCESS, lags_n: 0 } : PREPROCESS,
  }),
);
const POINTS = 2500;
const SCORE_N = 25;

/** A deterministic random walk with daily seasonality, like a business metric. */
function series(seed: number, n: number): { timestamps: number[]; values: number[] } {
  let s = seed * 9301 + 49297;
  const rand = () => (s = (s * 9301 + 49297) % 233280) / 233280;
  const timestamps: number[] = [];
  const values: number[] = [];
  let level = 100;
  for (let i = 0; i < n; i++) {
    level += rand() - 0.5;
    timestamps.push(1_700_000_000_000 + i * 300_000);
    values.push(level + 10 * Math.sin((2 * Math.PI * i) / 288) + rand() * 2);
  }
  return { timestamps, values };
}

/** Trains the models on each series and scores its last SCORE_N points; returns the training ms. */
function trainAndScore(data: { timestamps: number[]; values: number[] }[], configs = MODEL_CONFIGS, pp = PREPROCESS): number {
  let trainMs = 0;
  for (const d of data) {
    const a = performance.now();
    const X = preprocess(d, pp);
    const models = configs.map((mc) => trainModel(mc, X));
    trainMs += performance.now() - a;
    const recent = { timestamps: d.timestamps.slice(-SCORE_N - 8), values: d.values.slice(-SCORE_N - 8) };
    const Xs = preprocess(recent, pp);
    combineProbabilities(
      models.map((m) => predictProba(m, Xs)),
      "mean",
    );
  }
  return trainMs;
}

function benchModels(nMetrics: number, nWarmup: number, configs = MODEL_CONFIGS, pp = PREPROCESS) {
  // Other series than the timed ones, so that the JIT has compiled the hot loops before timing.
  const coldStart = performance.now();
  trainAndScore(
    Array.from({ length: nWarmup }, (_, i) => series(nMetrics + i + 1, POINTS)),
    configs,
    pp,
  );
  const warmupMs = performance.now() - coldStart;
  const data = Array.from({ length: nMetrics }, (_, i) => series(i + 1, POINTS));
  const t0 = performance.now();
  const trainMs = trainAndScore(data, configs, pp);
  const totalMs = performance.now() - t0;
  return {
    metrics: nMetrics,
    points_per_metric: POINTS,
    warmup_metrics: nWarmup,
    warmup_ms_per_metric: nWarmup > 0 ? warmupMs / nWarmup : null,
    train_ms_per_metric: trainMs / nMetrics,
    train_score_ms_per_metric: totalMs / nMetrics,
    metrics_per_second: nMetrics / (totalMs / 1000),
  };
}

async function benchAppend(nRows: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-bench-"));
  const store = await openDuckdbStore({ path: path.join(dir, "bench.duckdb") });
  await store.exec("SET threads = 1");
  const metrics = 100;
  const raw = Array.from({ length: nRows }, (_, i) => ({
    metric_timestamp: new Date(1_700_000_000_000 + Math.floor(i / metrics) * 60_000),
    metric_name: `metric_${i % metrics}`,
    metric_value: ((i * 7919) % 1000) / 7,
  }));
  const t0 = performance.now();
  const { rows } = wrangleIngested(raw, { batch: "bench", rounding: 4 });
  const t1 = performance.now();
  const inserted = await store.append(rows as MetricRow[]);
  const t2 = performance.now();
  const again = await store.append(rows as MetricRow[]);
  const t3 = performance.now();
  await store.close();
  await closeAllDuckdbInstances();
  fs.rmSync(dir, { recursive: true, force: true });
  if (inserted !== nRows || again !== 0) throw new Error(`append inserted ${inserted} then ${again}, expected ${nRows} then 0`);
  return {
    rows: nRows,
    append_rows_per_second: nRows / ((t2 - t1) / 1000),
    ingest_rows_per_second: nRows / ((t2 - t0) / 1000),
    reappend_rows_per_second: nRows / ((t3 - t2) / 1000),
  };
}

/**
 * Train + score of a batch's detector (the shipped default, or a preset) through the jobs' own functions:
 * train on the series, score its last SCORE_N points with the history the score job reads.
 */
function benchDetector(preset: string, nMetrics: number, nWarmup: number) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-bench-"));
  const cfg = evalBatchConfig(tmp, "bench", [`detector_preset=${preset}`]);
  fs.rmSync(tmp, { recursive: true, force: true });
  const history = scoreHistoryN(cfg);
  const run = (data: { timestamps: number[]; values: number[] }[]) => {
    for (const d of data) {
      const models = trainMetricModels(cfg, d.timestamps, d.values);
      const from = Math.max(0, d.values.length - SCORE_N - history);
      scoreSeries(cfg, models, { timestamps: d.timestamps.slice(from), values: d.values.slice(from) });
    }
  };
  run(Array.from({ length: nWarmup }, (_, i) => series(nMetrics + i + 1, POINTS)));
  const data = Array.from({ length: nMetrics }, (_, i) => series(i + 1, POINTS));
  const t0 = performance.now();
  run(data);
  const ms = performance.now() - t0;
  return { preset, metrics: nMetrics, train_score_ms_per_metric: ms / nMetrics, metrics_per_second: nMetrics / (ms / 1000) };
}

const models = benchModels(Number(args.metrics), Number(args.warmup));
const detectors = ["default", "robust"].map((preset) => benchDetector(preset, Number(args.metrics), Number(args.warmup)));
const perModel: Record<string, ReturnType<typeof benchModels>> = {};
const modelMetrics = Number(args["model-metrics"]);
if (modelMetrics > 0) {
  for (const { name, preprocess: pp } of PYOD_BENCH) {
    perModel[name] = benchModels(modelMetrics, 2, [{ model_name: name, model_tag: name.toLowerCase() }], pp);
  }
}
const append = await benchAppend(Number(args.rows));
const runtime = process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.version}`;
const result = {
  runtime,
  node: process.version,
  cpus: os.cpus().length,
  train_score: models,
  detectors,
  models: perModel,
  store: append,
  targets: { metrics_per_second: 200, detector_metrics_per_second: 1000, append_rows_per_second: 500_000 },
};
if (args.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const r = (x: number) => Math.round(x).toLocaleString("en-US");
  process.stdout.write(
    [
      `train + score, PCA + KNN, ${POINTS} points per metric, ${models.metrics} metrics (one core, ${runtime}):`,
      `  ${r(models.metrics_per_second)} metrics/s  (${models.train_score_ms_per_metric.toFixed(2)} ms per metric, train ${models.train_ms_per_metric.toFixed(2)} ms)  target >= 200`,
      models.warmup_ms_per_metric === null
        ? "  without warm-up (the first metrics pay for the JIT compiling the hot loops)"
        : `  after ${models.warmup_metrics} warm-up metrics (${models.warmup_ms_per_metric.toFixed(2)} ms per metric while the JIT compiles)`,
      `train + score, the batch's detector through the jobs' functions, ${POINTS} points per metric, ${models.metrics} metrics:`,
      ...detectors.map(
        (d) =>
          `  detector_preset ${d.preset.padEnd(8)} ${r(d.metrics_per_second)} metrics/s  (${d.train_score_ms_per_metric.toFixed(2)} ms per metric)  target >= 1,000`,
      ),
      ...(modelMetrics > 0
        ? [
            `train + score of one model, its PyOD defaults, ${POINTS} points per metric, ${modelMetrics} metrics each (after 2 warm-up):`,
            ...Object.entries(perModel).map(
              ([name, m]) =>
                `  ${name.padEnd(8)} ${m.metrics_per_second.toFixed(1).padStart(7)} metrics/s  (${m.train_score_ms_per_metric.toFixed(1)} ms per metric, train ${m.train_ms_per_metric.toFixed(1)} ms)`,
            ),
          ]
        : []),
      `append ${r(append.rows)} rows to DuckDB (threads=1):`,
      `  ${r(append.append_rows_per_second)} rows/s appended  target >= 500,000`,
      `  ${r(append.ingest_rows_per_second)} rows/s including validation (wrangle)`,
      `  ${r(append.reappend_rows_per_second)} rows/s re-appending the same rows (all skipped as duplicates)`,
      "",
    ].join("\n"),
  );
}
