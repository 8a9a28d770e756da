// Replays labelled series the way a user's `anomstack replay` does, for the evaluations (NAB, the suite):
// a throw-away metrics folder (the repository's defaults plus one batch, with --set overrides), a fresh
// DuckDB store, ingest, `replayJob` with --rescore, and the stored history read back. Large corpora are
// split over child processes, each with its own store.
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadBatch, type BatchConfig } from "../../f/anomstack/config/index.ts";
import { replayJob } from "../../f/anomstack/jobs/replay.ts";
import { closeJobContext, openJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { createLogger } from "../../f/anomstack/core/log.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import type { MetricRow } from "../../f/anomstack/store/metric-row.ts";
import type { EvalSeries } from "./evaluate.ts";
import { REPO_ROOT } from "./corpus.ts";
import { readEvalHistory } from "./history.ts";

/** One series to replay: its metric name and points, oldest first. */
export interface ReplayInput {
  metric: string;
  timestamps: number[];
  values: number[];
}

export interface ReplayRunOptions {
  /** The batch's name (metric_batch). */
  batch: string;
  /** Config overrides of the batch, `key=value` (values typed like ANOMSTACK__<BATCH>__<KEY>). */
  set?: readonly string[];
  /** Replay's retrain cadence (default 50, as `anomstack replay`). */
  retrainEvery?: number;
  /** Parallel processes (default: 2 at most). */
  workers?: number;
  onProgress?: (done: number, total: number, metric: string) => void;
}

function overridesEnv(batch: string, set: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of set) {
    const i = s.indexOf("=");
    if (i <= 0) throw new Error(`--set ${JSON.stringify(s)}: expected key=value`);
    env[`ANOMSTACK__${batch.toUpperCase()}__${s.slice(0, i).trim().toUpperCase()}`] = s.slice(i + 1);
  }
  return env;
}

/** A throw-away metrics folder under `tmp` (the repository's defaults plus the batch) and the batch's config. */
export function evalBatchConfig(tmp: string, batch: string, set: readonly string[] = []): BatchConfig {
  const metricsDir = path.join(tmp, "metrics");
  fs.cpSync(path.join(REPO_ROOT, "metrics", "defaults"), path.join(metricsDir, "defaults"), { recursive: true });
  fs.mkdirSync(path.join(metricsDir, batch), { recursive: true });
  fs.writeFileSync(path.join(metricsDir, batch, `${batch}.yaml`), `metric_batch: ${batch}\ningest_sql: select 1\n`);
  const env = { ...overridesEnv(batch, set), ANOMSTACK_MODEL_PATH: `local://${path.join(tmp, "models")}` };
  return loadBatch(batch, { metricsDir, env });
}

/** Ingest `inputs` into a fresh store under `tmp`, replay them (--rescore), and read the history back. */
async function replayInProcess(
  cfg: BatchConfig,
  inputs: readonly ReplayInput[],
  tmp: string,
  retrainEvery: number,
  onProgress?: ReplayRunOptions["onProgress"],
): Promise<EvalSeries[]> {
  const end = Math.max(...inputs.map((f) => f.timestamps[f.timestamps.length - 1]));
  const ctx = await openJobContext(cfg, {
    duckdbPath: path.join(tmp, "eval.duckdb"),
    now: new Date(end + 1000),
    log: createLogger({ level: "error" }),
    channels: [],
  });
  try {
    const rows: MetricRow[] = [];
    for (const f of inputs) {
      f.timestamps.forEach((t, i) => {
        rows.push({
          metric_timestamp: new Date(t),
          metric_batch: cfg.metric_batch,
          metric_name: f.metric,
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

/**
 * Replay `inputs` as one batch (in `workers` processes, each a share of the series by size) and return
 * every metric's stored history: scores, anomaly alerts and change alerts, as `anomstack eval` reads them.
 */
export async function replaySeries(inputs: readonly ReplayInput[], opts: ReplayRunOptions): Promise<{ cfg: BatchConfig; series: EvalSeries[] }> {
  const set = opts.set ?? [];
  const retrainEvery = opts.retrainEvery ?? 50;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `anomstack-${opts.batch}-`));
  try {
    const cfg = evalBatchConfig(tmp, opts.batch, set);
    const workers = Math.max(1, Math.min(opts.workers ?? Math.min(2, os.availableParallelism()), inputs.length));
    if (workers === 1) return { cfg, series: await replayInProcess(cfg, inputs, tmp, retrainEvery, opts.onProgress) };
    // Deal the series out by size, largest first, so the processes finish together.
    const shares: ReplayInput[][] = Array.from({ length: workers }, () => []);
    const load = new Array<number>(workers).fill(0);
    for (const f of [...inputs].sort((a, b) => b.values.length - a.values.length)) {
      const w = load.indexOf(Math.min(...load));
      shares[w].push(f);
      load[w] += f.values.length;
    }
    let done = 0;
    const parts = await Promise.all(
      shares.map((share, w) =>
        runWorker({ batch: opts.batch, inputs: share, set: [...set], retrainEvery, tmp: path.join(tmp, `w${w}`) }, (metric) =>
          opts.onProgress?.(++done, inputs.length, metric),
        ),
      ),
    );
    return { cfg, series: parts.flat() };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

interface WorkerTask {
  batch: string;
  inputs: ReplayInput[];
  set: string[];
  retrainEvery: number;
  tmp: string;
}

/** Replay a share of the series in a child process (this module, `--replay-worker`), into its own store. */
function runWorker(task: WorkerTask, progress: (metric: string) => void): Promise<EvalSeries[]> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ["--replay-worker"], {
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      serialization: "advanced",
    });
    child.on("message", (m: { progress?: string; series?: EvalSeries[]; error?: string }) => {
      if (m.progress) progress(m.progress);
      if (m.series) resolve(m.series.map((s) => ({ ...s, scores: s.scores.map((x) => (x === null ? Number.NaN : x)) })));
      if (m.error) reject(new Error(m.error));
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`replay worker exited with code ${code}`));
    });
    child.send(task);
  });
}

if (process.argv.includes("--replay-worker")) {
  process.once("message", async (task: WorkerTask) => {
    try {
      fs.mkdirSync(task.tmp, { recursive: true });
      const cfg = evalBatchConfig(task.tmp, task.batch, task.set);
      const series = await replayInProcess(cfg, task.inputs, task.tmp, task.retrainEvery, (_d, _t, metric) => process.send!({ progress: metric }));
      process.send!({ series }, () => process.exit(0));
    } catch (e) {
      process.send!({ error: (e as Error).stack ?? String(e) }, () => process.exit(1));
    }
  });
}
