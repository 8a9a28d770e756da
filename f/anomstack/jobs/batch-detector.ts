// A batch's detector as the train, score and replay jobs use it: each model's features (the batch's
// preprocess_params with the model's own overrides), the history a point's score depends on, and the
// combined, rounded scores of a series.
//nobundling
import {
  combineProbabilities,
  LIKELIHOOD_WINDOW,
  predictProba,
  quietBefore,
  type FeatureMatrix,
  type PreprocessParams,
  type TrainedModel,
} from "../ml/index.ts";
import { roundTo } from "../store/metric-row.ts";
import type { BatchConfig } from "../config/index.ts";
import { DEFAULT_FEATURES, type BatchFeatures } from "./preprocess-hook.ts";

type ModelConfigEntry = BatchConfig["model_configs"][number];

/** The features of one model: the batch's `preprocess_params` with the model's `preprocess_params` on top. */
export function modelPreprocess(cfg: BatchConfig, mc: Pick<ModelConfigEntry, "preprocess_params">): PreprocessParams {
  return { ...cfg.preprocess_params, ...(mc.preprocess_params ?? {}) } as PreprocessParams;
}

/**
 * What a model's features are recorded as in its file: its preprocess params, plus the `preprocess_fn`
 * that computed them (so a model trained with another hook, or none, is refused at scoring).
 */
export function featureSignature(cfg: BatchConfig, mc: Pick<ModelConfigEntry, "preprocess_params">): PreprocessParams {
  const pp = modelPreprocess(cfg, mc);
  return (cfg.preprocess_fn ? { ...pp, preprocess_fn: cfg.preprocess_fn } : pp) as PreprocessParams;
}

/**
 * How many earlier points a point's score reads besides itself: the widest feature window of the
 * batch's models (the preprocess_fn's `lookback`, if it has one), plus the likelihood calibration's averaging window.
 */
export function scoreLookback(cfg: BatchConfig, features: BatchFeatures = DEFAULT_FEATURES): number {
  // A RANGE member's local level reads its local_n feature rows before the point.
  const widest = Math.max(...cfg.model_configs.map((mc) => features.lookback(modelPreprocess(cfg, mc)) + Number(mc.model_params?.local_n ?? 0)));
  const quiet = cfg.score_suppress_n > 0 ? cfg.score_suppress_quiet_n : 0; // the suppression's new-incident test
  return widest + Math.max(quiet, cfg.score_calibration === "likelihood" ? LIKELIHOOD_WINDOW - 1 : 0);
}

/** Points scored since a model's training that the score job reads to widen the "range" calibration. */
export const RANGE_HISTORY_N = 100;

/**
 * Rows the score job reads before the first point it scores (`score_history_n` of score_sql): the
 * lookback, plus the points the suppression compares with (`score_suppress_n`) or, with the "range"
 * calibration, the points scored since training (at least {@link RANGE_HISTORY_N}).
 */
export function scoreHistoryN(cfg: BatchConfig, features: BatchFeatures = DEFAULT_FEATURES): number {
  const recent = Math.max(cfg.score_suppress_n, cfg.score_calibration === "range" ? RANGE_HISTORY_N : 0);
  return scoreLookback(cfg, features) + recent;
}

/** Per batch config and model tag, what scoring a series with that model needs from the config (the same for every metric). */
const setups = new WeakMap<BatchConfig, Map<string, { pp: PreprocessParams; ppJson: string; signature: PreprocessParams }>>();

function modelSetup(cfg: BatchConfig, tag: string): { pp: PreprocessParams; ppJson: string; signature: PreprocessParams } {
  let byTag = setups.get(cfg);
  if (!byTag) setups.set(cfg, (byTag = new Map()));
  let setup = byTag.get(tag);
  if (!setup) {
    const mc = cfg.model_configs.find((c) => c.model_tag === tag);
    const pp = modelPreprocess(cfg, mc ?? {});
    byTag.set(tag, (setup = { pp, ppJson: JSON.stringify(pp), signature: featureSignature(cfg, mc ?? {}) }));
  }
  return setup;
}

/**
 * The timestamps every model scored, in time order, with each model's probabilities at them. Feature
 * rows are usually in strictly increasing time: then one merge walk; otherwise (a preprocess_fn may
 * return any order) by lookup, the last row of a repeated timestamp winning.
 */
function commonRows(perModel: { timestamps: readonly number[]; p: ArrayLike<number> }[]): { timestamps: number[]; probs: Float64Array[] } {
  const increasing = perModel.every(({ timestamps: ts }) => ts.every((t, i) => i === 0 || t > ts[i - 1]));
  if (!increasing) {
    const maps = perModel.map(({ timestamps: ts, p }) => new Map(ts.map((t, i) => [t, p[i]])));
    // Rows every model scored, in time order (the smallest map has the fewest candidates).
    const smallest = maps.reduce((a, b) => (b.size < a.size ? b : a));
    const timestamps = [...smallest.keys()].filter((t) => maps.every((m) => m.has(t))).sort((a, b) => a - b);
    return { timestamps, probs: maps.map((m) => Float64Array.from(timestamps, (t) => m.get(t)!)) };
  }
  const timestamps: number[] = [];
  const at: number[][] = perModel.map(() => []);
  const pos = perModel.map(() => 0);
  const first = perModel[0].timestamps;
  for (let i = 0; i < first.length; i++) {
    const t = first[i];
    let everywhere = true;
    for (let m = 1; m < perModel.length && everywhere; m++) {
      const ts = perModel[m].timestamps;
      while (pos[m] < ts.length && ts[pos[m]] < t) pos[m]++;
      everywhere = pos[m] < ts.length && ts[pos[m]] === t;
    }
    if (!everywhere) continue;
    timestamps.push(t);
    at[0].push(i);
    for (let m = 1; m < perModel.length; m++) at[m].push(pos[m]);
  }
  // Filled by loops: Float64Array.from with a map function was most of scoring's own time.
  const probs = perModel.map(({ p }, m) => {
    const rows = at[m];
    const out = new Float64Array(rows.length);
    for (let k = 0; k < rows.length; k++) out[k] = p[rows[k]];
    return out;
  });
  return { timestamps, probs };
}

/** Same feature params (every key of either; a missing key equals null, as in models saved before a key existed). */
function sameFeatures(a: PreprocessParams, b: PreprocessParams): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  // Every key's values identical (the usual case, checked per metric and model at scoring): the same
  // texts too, without making them; otherwise compared as JSON.
  let identical = true;
  for (const k in x) if ((x[k] ?? null) !== (y[k] ?? null)) identical = false;
  for (const k in y) if ((x[k] ?? null) !== (y[k] ?? null)) identical = false;
  if (identical) return true;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].every((k) => JSON.stringify(x[k] ?? null) === JSON.stringify(y[k] ?? null));
}

/** Which metric a series is, and how its features are computed. */
export interface SeriesOptions {
  /** The metric (named in a preprocess_fn's errors). */
  metric?: string;
  features?: BatchFeatures;
}

/**
 * Combined anomaly probabilities of a series (oldest first), rounded to `score_metric_rounding`: one per
 * timestamp where every model has a feature row. Every row is scored; earlier rows also serve as the
 * history of later ones (feature windows, the range calibration's points since training, the likelihood's
 * recent mean, the suppression's new-incident test: `fresh`, see quietBefore), so pass the points before
 * the ones of interest along.
 *
 * @throws Error when a model was trained on other features than its config now gives (retrain).
 */
export function scoreSeries(
  cfg: BatchConfig,
  models: readonly TrainedModel[],
  series: { timestamps: number[]; values: number[] },
  opts: SeriesOptions = {},
): { timestamps: number[]; scores: number[]; fresh: boolean[] } {
  const features = opts.features ?? DEFAULT_FEATURES;
  const matrices = new Map<string, FeatureMatrix>();
  const perModel = models.map((m) => {
    const { pp, ppJson, signature } = modelSetup(cfg, m.model_tag);
    if (m.features && !sameFeatures(m.features, signature)) {
      throw new Error(
        `model ${m.model_tag} was trained on other features (${JSON.stringify(m.features)}) than its config gives now (${JSON.stringify(signature)}); retrain`,
      );
    }
    // A hook may name its columns; the matrix is per model (its errors name the model).
    const key = features.hook ? `${m.model_tag}\n${ppJson}` : ppJson;
    let X = matrices.get(key);
    if (!X) matrices.set(key, (X = features.matrix(series, pp, { metric: opts.metric ?? "?", model_tag: m.model_tag })));
    if (m.columns.length !== X.cols) {
      throw new Error(
        `model ${m.model_tag} was trained on ${m.columns.length} features but ${features.hook ? `preprocess_fn ${features.hook}` : "preprocess_params"} now gives ${X.cols}; retrain`,
      );
    }
    return { timestamps: X.timestamps, p: predictProba(m, X) };
  });
  if (perModel.length === 0) return { timestamps: [], scores: [], fresh: [] };
  const { timestamps, probs } = commonRows(perModel);
  const combined = combineProbabilities(probs, cfg.model_combination_method);
  const scores = new Array<number>(combined.length);
  for (let i = 0; i < combined.length; i++) scores[i] = roundTo(combined[i], cfg.score_metric_rounding);
  return { timestamps, scores, fresh: quietBefore(scores, cfg.score_suppress_quiet_n) };
}
