// What PyOD's BaseDetector does after fitting any model: the `threshold_` that `contamination` sets on
// the training decision scores (numpy's linear percentile), plus input checks shared by the PyOD models.
//nobundling

import { assertFiniteMatrix, type FeatureMatrix } from "./matrix.ts";

/**
 * numpy `percentile(values, q)` with the default "linear" method: the sorted values at the virtual
 * index `(n - 1) * q / 100`, interpolated as numpy's `_lerp` does (from the upper value when the
 * fraction is >= 0.5), so the result equals numpy's bit for bit.
 *
 * @throws Error on an empty array or `q` outside [0, 100].
 * @example
 * percentile([1, 2, 3, 4], 90); // 3.7
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) throw new Error("percentile of an empty array");
  if (!(q >= 0 && q <= 100)) throw new Error(`percentile: q must be in [0, 100], got ${q}`);
  const s = Float64Array.from(values).sort();
  const virtual = (n - 1) * (q / 100);
  const lo = Math.floor(virtual);
  const hi = Math.min(lo + 1, n - 1);
  const t = virtual - lo;
  const a = s[lo];
  const b = s[hi];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * PyOD `_process_decision_scores`: `threshold_ = percentile(decision_scores_, 100 * (1 - contamination))`;
 * training rows scoring above it are PyOD's outliers (`labels_ = 1`).
 * @example pyodThreshold([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.1); // 9.1
 */
export function pyodThreshold(trainScores: ArrayLike<number>, contamination: number): number {
  return percentile(trainScores, 100 * (1 - contamination));
}

/** PyOD's default `contamination`. */
export const DEFAULT_CONTAMINATION = 0.1;

/** What every PyOD model's fit returns here: its JSON-safe detector, `decision_scores_` and `threshold_`. */
export interface PyodFit<D> {
  detector: D;
  trainScores: Float64Array;
  threshold: number;
}

/**
 * Checks a training matrix: finite values, at least one column and `minRows` rows ("<name> needs at
 * least ..." is what the train job reports as "not enough data yet").
 * @throws Error naming the model and the problem.
 */
export function checkTrain(X: FeatureMatrix, name: string, minRows: number): void {
  assertFiniteMatrix(X, `${name} fit`);
  if (X.cols < 1) throw new Error(`${name} needs at least 1 column`);
  if (X.rows < minRows) throw new Error(`${name} needs at least ${minRows} rows, got ${X.rows}`);
}

/** Checks a matrix to score: finite values and the model's column count. @throws Error naming the model. */
export function checkScore(X: FeatureMatrix, name: string, cols: number): void {
  assertFiniteMatrix(X, `${name} score`);
  if (X.cols !== cols) throw new Error(`${name} score: model has ${cols} columns, X has ${X.cols}`);
}
