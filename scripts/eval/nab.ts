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
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import type { BatchConfig } from "../../f/anomstack/config/index.ts";
import { evaluateWindows, type WindowEvaluation } from "./evaluate.ts";
import { hasNabCorpus, loadNabCorpus, resolveNabDir } from "./corpus.ts";
import { replaySeries } from "./replay-run.ts";
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

/** The detector keys a run reports (what was evaluated). */
export function detectorSummary(cfg: BatchConfig): NabRunResult["config"] {
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
    detector_preset,
    model_configs,
    model_combination_method,
    score_calibration,
    score_suppress_n,
    preprocess_params,
    alert_threshold,
    alert_smooth_n,
    alert_snooze_n,
  };
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
  const { cfg, series } = await replaySeries(
    files.map((f) => ({ metric: nabMetricName(f.name), timestamps: f.timestamps, values: f.values })),
    { batch: BATCH, set: opts.set, retrainEvery: opts.retrainEvery, workers: opts.workers, onProgress: opts.onProgress },
  );
  const windows = new Map(files.map((f) => [f.name, f.windows] as [string, [number, number][]]));
  const evaluation = evaluateWindows(series, windows);
  return { config: detectorSummary(cfg), files: files.length, seconds: (performance.now() - started) / 1000, evaluation };
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

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await main();
  } catch (e) {
    process.stderr.write(`eval:nab: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
