// The per-feature empirical CDFs and skewness that PyOD's ECOD and COPOD score with: for each row and
// feature, the left tail -ln F(x), the right tail -ln(1 - F(x-)), and the sign of the feature's skewness.
//nobundling

import type { FeatureMatrix } from "./matrix.ts";

/** The training columns of an ECDF model (JSON-safe). */
export interface EcdfColumns {
  /** `sorted[j]`: feature j's training values, ascending. */
  sorted: number[][];
  /** Per feature: mean, sum of squared and of cubed deviations from it (for the skewness of training + one row). */
  mean: number[];
  m2: number[];
  m3: number[];
}

/** scipy `skew` returns NaN when `m2 <= (resolution * mean)^2` (a (near-)constant feature); float64 resolution. */
const RESOLUTION = 1e-15;

/**
 * Sorted columns and central moment sums of the training rows (two passes).
 * @example ecdfColumns(fromRows([[2], [0], [1]])).sorted; // [[0, 1, 2]]
 */
export function ecdfColumns(X: FeatureMatrix): EcdfColumns {
  const { rows: n, cols: p, data } = X;
  const sorted: number[][] = [];
  const mean: number[] = [];
  const m2: number[] = [];
  const m3: number[] = [];
  const col = new Float64Array(n);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += col[i] = data[i * p + j];
    const mu = s / n;
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      const d = col[i] - mu;
      a += d * d;
      b += d * d * d;
    }
    col.sort();
    sorted.push(Array.from(col));
    mean.push(mu);
    m2.push(a);
    m3.push(b);
  }
  return { sorted, mean, m2, m3 };
}

/** Sign of the (biased, scipy `skew`) skewness from moment sums of `n` values: -1, 0 (constant or symmetric) or 1. */
function skewSign(n: number, mean: number, m2: number, m3: number): number {
  if (m2 / n <= (RESOLUTION * mean) ** 2) return 0;
  return m3 > 0 ? 1 : m3 < 0 ? -1 : 0;
}

/** Number of sorted values <= x (`le`) and >= x (`ge`). */
function counts(sorted: number[], x: number): { le: number; ge: number } {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  const le = lo;
  hi = le;
  lo = 0;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return { le, ge: sorted.length - lo };
}

/**
 * Calls `visit(i, j, ul, ur, skew)` for every row i and feature j of `X`: `ul = -ln F_left(x_ij)`,
 * `ur = -ln F_right(x_ij)` and the sign of feature j's skewness, where the ECDFs and the skewness are
 * those PyOD computes:
 * - `training: true` (PyOD `fit`, i.e. `decision_scores_`): over the training rows themselves,
 *   `F_left(x) = #{x_i <= x} / n`, `F_right(x) = #{x_i >= x} / n`;
 * - `training: false` (PyOD `decision_function` of one row at a time): over the training rows plus that
 *   row, `F_left(x) = (#{x_i <= x} + 1) / (n + 1)`, likewise on the right, and the skewness of the
 *   n + 1 values. PyOD scores a batch of rows together (each row's ECDF then counts the other new rows
 *   too); one row at a time keeps a score independent of what else is scored with it.
 */
export function visitTails(
  c: EcdfColumns,
  X: FeatureMatrix,
  training: boolean,
  visit: (i: number, j: number, ul: number, ur: number, skew: number) => void,
): void {
  const { rows, cols: p, data } = X;
  for (let j = 0; j < p; j++) {
    const sorted = c.sorted[j];
    const n = sorted.length;
    const mean = c.mean[j];
    const m2 = c.m2[j];
    const m3 = c.m3[j];
    const trainSkew = skewSign(n, mean, m2, m3);
    for (let i = 0; i < rows; i++) {
      const x = data[i * p + j];
      const { le, ge } = counts(sorted, x);
      if (training) {
        visit(i, j, -Math.log(le / n), -Math.log(ge / n), trainSkew);
      } else {
        // Moment sums of the n training values plus x (Pébay's one-point update).
        const n1 = n + 1;
        const d = x - mean;
        const m2x = m2 + (d * d * n) / n1;
        const m3x = m3 + (d * d * d * n * (n - 1)) / (n1 * n1) - (3 * d * m2) / n1;
        visit(i, j, -Math.log((le + 1) / n1), -Math.log((ge + 1) / n1), skewSign(n1, mean + d / n1, m2x, m3x));
      }
    }
  }
}

/** Validates the shape of deserialized ECDF columns; returns a problem or undefined. */
export function ecdfColumnsProblem(c: Record<string, unknown>, cols: number): string | undefined {
  const { sorted, mean, m2, m3 } = c;
  if (!Array.isArray(sorted) || sorted.length !== cols) return `detector.sorted must hold ${cols} columns`;
  const n = Array.isArray(sorted[0]) ? sorted[0].length : 0;
  if (n < 1) return "detector.sorted columns must not be empty";
  for (const s of sorted) {
    if (!Array.isArray(s) || s.length !== n || !s.every((x, i) => typeof x === "number" && Number.isFinite(x) && (i === 0 || x >= s[i - 1]))) {
      return `detector.sorted must hold ${cols} ascending columns of ${n} finite numbers`;
    }
  }
  for (const [name, v] of [
    ["mean", mean],
    ["m2", m2],
    ["m3", m3],
  ] as const) {
    if (!Array.isArray(v) || v.length !== cols || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
      return `detector.${name} must hold ${cols} finite numbers`;
    }
  }
  return undefined;
}
