// The change-detection rule (as the original intends: it fires, docs/differences.md #1): the level of the
// newest values (their median over `change_smooth_n` points) against the median and MAD of the older
// values, as a MAD modified z-score, so one odd value is not a change but a new level is. Degenerate windows are handled on purpose: a MAD of 0 (a mostly-constant or
// mostly-zero metric) falls back to the mean absolute deviation, a constant window scores a departure at
// the cap, and no score exceeds CHANGE_SCORE_MAX. Pure.
//nobundling
import { MAD_CONSTANT, median, type MadModel } from "../ml/mad.ts";
import { isSnoozed } from "./alert-rule.ts";

/** One value of a metric, oldest first. `changed` = a change alert is already stored for it. */
export interface ChangePoint {
  timestamp: number;
  value: number;
  changed: boolean;
}

export interface ChangeParams {
  /** Modified z-score above which a value is a change (`change_threshold`, strictly greater). */
  threshold: number;
  /** How many newest values are tested (`change_detect_last_n`). */
  detect_last_n: number;
  /** A metric with a stored change among its newest `snooze_n` values is skipped (`change_snooze_n`). */
  snooze_n: number;
  /** The level of a point is the median of it and the `smooth_n - 1` values before it (`change_smooth_n`; default 1: the value). */
  smooth_n?: number;
}

export interface ChangeDecision {
  index: number;
  timestamp: number;
  value: number;
  score: number;
}

export interface ChangeResult {
  /** Why nothing was tested, if so. */
  skipped?: "snoozed" | "too_few_points";
  /** The change score of every point (NaN when skipped, or before its level has `smooth_n` values). */
  scores: number[];
  changes: ChangeDecision[];
  /** The median and MAD the levels were scored with (absent when skipped). */
  model?: MadModel;
}

/** Fewer older levels than this make MAD meaningless (the median of 2 values is noise). */
export const MIN_CHANGE_TRAIN_POINTS = 5;
/** The highest change score: a departure from a constant window scores this, instead of PyOD's 1.8e308. */
export const CHANGE_SCORE_MAX = 1000;
/** Mean absolute deviation of a normal distribution / its MAD: the fallback keeps the z-score's scale. */
const MEAN_AD_TO_MAD = 0.6745 * Math.sqrt(Math.PI / 2);

/**
 * Trailing medians: `out[i]` = the median of `values[i - n + 1 .. i]`; NaN for the first n - 1, and
 * before `from` (default 0: every point; the change job needs only the points it tests).
 * @example trailingMedians([1, 9, 2, 3], 3) // => [NaN, NaN, 2, 3]
 */
export function trailingMedians(values: readonly number[], n: number, from = 0): number[] {
  if (n <= 1) return values.map((v, i) => (i < from ? Number.NaN : v));
  return values.map((_, i) => (i < n - 1 || i < from ? Number.NaN : median(values.slice(i - n + 1, i + 1))));
}

/**
 * The median and MAD of the training values. A MAD of 0 (more than half the values equal: a constant or
 * mostly-zero window) is replaced by the mean absolute deviation times 0.6745·√(π/2), which is the MAD for
 * normal data and positive whenever one value differs; a constant window keeps MAD 0.
 * @example fitChangeLevels([0, 0, 0, 0, 4]) // => { median: 0, mad: 0.8 * 0.8453... }
 */
export function fitChangeLevels(levels: readonly number[]): MadModel {
  const m = median(levels);
  const deviations = levels.map((x) => Math.abs(x - m));
  let mad = median(deviations);
  if (!(mad > 0)) mad = (deviations.reduce((a, d) => a + d, 0) / deviations.length) * MEAN_AD_TO_MAD;
  return { median: m, mad };
}

/** `0.6745 · |x − median| / MAD`, capped at {@link CHANGE_SCORE_MAX}; with MAD 0, 0 at the median and the cap elsewhere. */
export function changeScore(model: MadModel, x: number): number {
  const diff = Math.abs(x - model.median);
  if (diff === 0) return 0;
  if (!(model.mad > 0)) return CHANGE_SCORE_MAX;
  return Math.min(CHANGE_SCORE_MAX, (MAD_CONSTANT * diff) / model.mad);
}

/**
 * Decide which of the newest `detect_last_n` values are changes. `levels`: the points' trailing medians,
 * if already computed ({@link trailingMedians} of the values with `smooth_n`; replay computes them once).
 */
export function decideChanges(points: readonly ChangePoint[], p: ChangeParams, levels?: readonly number[]): ChangeResult {
  const n = points.length;
  const nan = () => points.map(() => Number.NaN);
  if (points.slice(Math.max(0, n - p.snooze_n)).some((x) => x.changed)) return { skipped: "snoozed", scores: nan(), changes: [] };
  const smooth = Math.max(1, p.smooth_n ?? 1);
  const trainEnd = n - p.detect_last_n;
  if (trainEnd < MIN_CHANGE_TRAIN_POINTS) return { skipped: "too_few_points", scores: nan(), changes: [] };
  const level =
    levels ??
    trailingMedians(
      points.map((x) => x.value),
      smooth,
    );
  const model = fitChangeLevels(points.slice(0, trainEnd).map((x) => x.value));
  const scores = level.map((l) => (Number.isNaN(l) ? Number.NaN : changeScore(model, l)));
  const flags = points.map((x) => x.changed);
  const changes: ChangeDecision[] = [];
  for (let i = trainEnd; i < n; i++) {
    if (flags[i] || !(scores[i] > p.threshold) || isSnoozed(flags, i, p.snooze_n)) continue;
    flags[i] = true;
    changes.push({ index: i, timestamp: points[i].timestamp, value: points[i].value, score: scores[i] });
  }
  return { scores, changes, model };
}
