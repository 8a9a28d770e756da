// `npm run eval:nab`: ingest the whole NAB corpus into a throw-away store as one batch, replay it with the
// shipped default detector (or the configuration given with --preset / --set), and print NAB's three
// scores, exactly as `anomstack eval --windows combined_windows.json` would for that batch.
//
//   npm run eval:nab                                   the shipped default detector
//   npm run eval:nab -- --preset original              the original Anomstack's detector
//   npm run eval:nab -- --set score_suppress_n=0       any config key, typed like ANOMSTACK__<BATCH>__<KEY>
//   npm run eval:nab -- --only realKnownCause,art_     a subset (file names containing one of these)
//   npm run eval:nab -- --json                         the report as JSON
//
// The corpus: $ANOMSTACK_NAB_DIR, else ../shared/data/nab next to the repository.
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { loadBatch, type BatchConfig } from "../../f/anomstack/config/index.ts";
import { evaluateWindows, type EvalSeries, type WindowEvaluation } from "./evaluate.ts";
import { replayJob } from "../../f/anomstack/jobs/replay.ts";
import { closeJobContext, openJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { createLogger } from "../../f/anomstack/core/log.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import type { MetricRow } from "../../f/anomstack/store/metric-row.ts";
import { hasNabCorpus, loadNabCorpus, REPO_ROOT, resolveNabDir, type NabFile } from "./corpus.ts";
import { readEvalHistory } from "./history.ts";
import { formatReport } from "../cli/eval.ts";

/** Options of one NAB run. */
export interface NabRunOptions {
  /** Keep files whose name contains one of these (all when empty). */
  only?: string[];
  /** Config overrides of the batch, `key=value` (values typed like env overrides). */
  set?: string[];
  /** Replay's retrain cadence (default 50, as `anomstack replay`). */
  retrainEvery?: number;
  /** Parallel processes, each replaying a share of the files into its own store (default: 2 at most). */
  workers?: number;
  nabDir?: string;
  onProgress?: (done: number, total: number, metric: string) => void;
}

export interface NabRunResult {
  config: Pick<
    BatchConfig,
    | "detector_preset"
    | "model_configs"
    | "model_combination_method"
    | "score_calibration"
    | "score_suppress_n"
    | "preprocess_params"
    | "alert_threshold"
    | "alert_smooth_n"
    | "alert_snooze_n"
  >;
  files: number;
  seconds: number;
  evaluation: WindowEvaluation;
}

const BATCH = "nab";

/** The metric name of a NAB file: its key without ".csv" (e.g. "realKnownCause/nyc_taxi"). */
export function nabMetricName(file: string): string {
  return file.replace(/\.csv$/i, "");
}

function overridesEnv(set: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of set) {
    const i = s.indexOf("=");
    if (i <= 0) throw new Error(`--set ${JSON.stringify(s)}: expected key=value`);
    env[`ANOMSTACK__${BATCH.toUpperCase()}__${s.slice(0, i).trim().toUpperCase()}`] = s.slice(i + 1);
  }
  return env;
}

/** A throw-away metrics folder (the repository's defaults plus the nab batch) and the batch's config. */
function setup(tmp: string, set: readonly string[]): BatchConfig {
  const metricsDir = path.join(tmp, "metrics");
  fs.cpSync(path.join(REPO_ROOT, "metrics", "defaults"), path.join(metricsDir, "defaults"), { recursive: true });
  fs.mkdirSync(path.join(metricsDir, BATCH));
  fs.writeFileSync(path.join(metricsDir, BATCH, `${BATCH}.yaml`), `metric_batch: ${BATCH}\ningest_sql: select 1\n`);
  const env = { ...overridesEnv(set), ANOMSTACK_MODEL_PATH: `local://${path.join(tmp, "models")}` };
  return loadBatch(BATCH, { metricsDir, env });
}

/** Ingest `files` into a fresh store under `tmp`, replay them, and read the history back. */
async function replayFiles(
  cfg: BatchConfig,
  files: NabFile[],
  tmp: string,
  retrainEvery: number,
  onProgress?: NabRunOptions["onProgress"],
): Promise<EvalSeries[]> {
  const end = Math.max(...files.map((f) => f.timestamps[f.timestamps.length - 1]));
  const ctx = await openJobContext(cfg, {
    duckdbPath: path.join(tmp, "nab.duckdb"),
    now: new Date(end + 1000),
    log: createLogger({ level: "error" }),
    channels: [],
  });
  try {
    const rows: MetricRow[] = [];
    for (const f of files) {
      const metric_name = nabMetricName(f.name);
      f.timestamps.forEach((t, i) => {
        rows.push({
          metric_timestamp: new Date(t),
          metric_batch: BATCH,
          metric_name,
          metric_type: "metric",
          metric_value: f.values[i],
          metadata: "",
        });
      });
    }
    await ctx.store.append(rows);
    const r = await replayJob(ctx, { retrainEvery, rescore: true, onProgress });
    if (r.failed.length) throw new Error(`replay failed for ${r.failed.map((x) => `${x.metric}: ${x.error}`).join("; ")}`);
    return (await readEvalHistory(ctx)).series;
  } finally {
    await closeJobContext(ctx);
    await closeAllDuckdbInstances();
  }
}

/** Run the NAB evaluation: throw-away folder(s), ingest, replay, evaluate. */
export async function runNab(opts: NabRunOptions = {}): Promise<NabRunResult> {
  const started = performance.now();
  const dir = opts.nabDir ?? resolveNabDir();
  if (!hasNabCorpus(dir)) {
    throw new Error(`no NAB corpus at ${dir} (expected data/ and labels/combined_windows.json); set ANOMSTACK_NAB_DIR`);
  }
  const files = loadNabCorpus(dir, opts.only);
  if (files.length === 0) throw new Error(`no NAB file matches --only ${opts.only?.join(",")}`);
  const set = opts.set ?? [];
  const retrainEvery = opts.retrainEvery ?? 50;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-nab-"));
  try {
    const cfg = setup(tmp, set);
    const workers = Math.max(1, Math.min(opts.workers ?? Math.min(2, os.availableParallelism()), files.length));
    let series: EvalSeries[];
    if (workers === 1) {
      series = await replayFiles(cfg, files, tmp, retrainEvery, opts.onProgress);
    } else {
      // Deal the files out by size, largest first, so the processes finish together.
      const shares: string[][] = Array.from({ length: workers }, () => []);
      const load = new Array<number>(workers).fill(0);
      for (const f of [...files].sort((a, b) => b.values.length - a.values.length)) {
        const w = load.indexOf(Math.min(...load));
        shares[w].push(f.name);
        load[w] += f.values.length;
      }
      let done = 0;
      const parts = await Promise.all(
        shares.map((names, w) =>
          runWorker({ dir, names, set, retrainEvery, tmp: path.join(tmp, `w${w}`) }, (metric) => opts.onProgress?.(++done, files.length, metric)),
        ),
      );
      series = parts.flat();
    }
    const windows = new Map(files.map((f) => [f.name, f.windows] as [string, [number, number][]]));
    const evaluation = evaluateWindows(series, windows);
    const {
      detector_preset,
      model_configs,
      model_combination_method,
      score_calibration,
      score_suppress_n,
      preprocess_params,
      alert_threshold,
      alert_smooth_n,
      alert_snooze_n,
    } = cfg;
    return {
      config: {
        detector_preset,
        model_configs,
        model_combination_method,
        score_calibration,
        score_suppress_n,
        preprocess_params,
        alert_threshold,
        alert_smooth_n,
        alert_snooze_n,
      },
      files: files.length,
      seconds: (performance.now() - started) / 1000,
      evaluation,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

interface WorkerTask {
  dir: string;
  names: string[];
  set: string[];
  retrainEvery: number;
  tmp: string;
}

/** Replay a share of the files in a child process (this script, `--worker`), into its own store. */
function runWorker(task: WorkerTask, progress: (metric: string) => void): Promise<EvalSeries[]> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ["--worker"], { stdio: ["ignore", "ignore", "inherit", "ipc"], serialization: "advanced" });
    child.on("message", (m: { progress?: string; series?: EvalSeries[]; error?: string }) => {
      if (m.progress) progress(m.progress);
      if (m.series) resolve(m.series.map((s) => ({ ...s, scores: s.scores.map((x) => (x === null ? Number.NaN : x)) })));
      if (m.error) reject(new Error(m.error));
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`NAB worker exited with code ${code}`));
    });
    child.send(task);
  });
}

async function workerMain(): Promise<void> {
  process.once("message", async (task: WorkerTask) => {
    try {
      fs.mkdirSync(task.tmp, { recursive: true });
      const files = loadNabCorpus(task.dir).filter((f) => task.names.includes(f.name));
      const cfg = setup(task.tmp, task.set);
      const series = await replayFiles(cfg, files, task.tmp, task.retrainEvery, (_d, _t, metric) => process.send!({ progress: metric }));
      process.send!({ series }, () => process.exit(0));
    } catch (e) {
      process.send!({ error: (e as Error).stack ?? String(e) }, () => process.exit(1));
    }
  });
}

/** The result as text: the NAB table, and the published scoreboard's neighbours for comparison. */
export function formatNab(r: NabRunResult): string {
  const c = r.config;
  const lines = [
    `NAB: ${r.files} file(s), detector_preset=${c.detector_preset}, models ${c.model_configs.map((m) => `${m.model_name}:${m.model_tag}`).join(", ")}, ` +
      `combination ${c.model_combination_method}, calibration ${c.score_calibration}, suppression ${c.score_suppress_n}`,
    formatReport({ batch: BATCH, metrics: r.files, windows: r.evaluation }).trimEnd(),
    `NAB score (standard / low FP / low FN): ${r.evaluation.scores.map((s) => s.score.toFixed(1)).join(" / ")}` +
      `   (alerts at alert_threshold ${c.alert_threshold}: ${r.evaluation.alerts.map((s) => s.score.toFixed(1)).join(" / ")})`,
    `Published: Numenta HTM 70.5/62.6/75.2, CAD OSE 69.9/67.0/73.2, KNN CAD 58.0/43.4/64.8, Windowed Gaussian 39.6/20.9/47.4`,
    `done in ${r.seconds.toFixed(1)} s`,
  ];
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      set: { type: "string", multiple: true },
      preset: { type: "string" },
      "retrain-every": { type: "string" },
      workers: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const set = [...(values.preset ? [`detector_preset=${values.preset}`] : []), ...(values.set ?? [])];
  const positive = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
    return n;
  };
  let last = -1;
  const r = await runNab({
    only: values.only
      ? values.only
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined,
    set,
    retrainEvery: positive("retrain-every", values["retrain-every"]),
    workers: positive("workers", values.workers),
    onProgress: (done, total) => {
      const pct = Math.floor((100 * done) / total / 10);
      if (pct !== last && !values.json) process.stderr.write(`replay: ${done}/${total} files\n`);
      last = pct;
    },
  });
  process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : formatNab(r));
}

if (process.argv.includes("--worker")) {
  await workerMain();
} else if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await main();
  } catch (e) {
    process.stderr.write(`eval:nab: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
