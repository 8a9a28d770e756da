// PyOD's MCD detector: scikit-learn's MinCovDet (FastMCD, Rousseeuw & Van Driessen 1999, then the
// consistency correction and reweighting); a row's score is its squared robust Mahalanobis distance.
//nobundling

import { EigenvalueDecomposition, LuDecomposition, Matrix } from "ml-matrix";
import { chi2Quantile } from "./chi2.ts";
import { median } from "./mad.ts";
import { checkScore, checkTrain, pyodThreshold, DEFAULT_CONTAMINATION, type PyodFit } from "./pyod-base.ts";
import { DEFAULT_SEED, Rng } from "./random.ts";
import { selectKth } from "./select.ts";
import type { FeatureMatrix } from "./matrix.ts";

/** A fitted MCD model (JSON-safe): the reweighted robust location and precision (inverse covariance). */
export interface McdDetector {
  kind: "mcd";
  version: 1;
  location: number[];
  /** Row-major `p x p` pseudo-inverse of the reweighted covariance (scipy `pinvh`). */
  precision: number[];
  /** Training rows in the reweighted support (scikit-learn `support_.sum()`). */
  n_support: number;
}

/** PyOD `MCD` parameters; `store_precision` is accepted and ignored (the precision is always kept). */
export interface McdParams {
  /** Share of rows in the raw MCD support; null (default) = `ceil((n + p + 1) / 2) / n`. */
  support_fraction?: number | null;
  /** Fix the location at 0 (default false). */
  assume_centered?: boolean;
  /** Seed of the random starts; null (default) uses a fixed seed, so the model is reproducible. */
  random_state?: number | null;
  contamination?: number;
}

interface Estimate {
  location: Float64Array;
  covariance: Float64Array;
  det: number;
  support: Uint8Array;
  dist: Float64Array;
}

/** Mean and biased covariance (numpy `cov(bias=1)`: centred products times 1/h) of the rows in `rows`. */
function meanCov(X: Float64Array, p: number, rows: ArrayLike<number>, centered: boolean): { location: Float64Array; covariance: Float64Array } {
  const h = rows.length;
  const location = new Float64Array(p);
  if (!centered) {
    for (let r = 0; r < h; r++) {
      const o = rows[r] * p;
      for (let a = 0; a < p; a++) location[a] += X[o + a];
    }
    for (let a = 0; a < p; a++) location[a] /= h;
  }
  const covariance = new Float64Array(p * p);
  const c = new Float64Array(p);
  for (let r = 0; r < h; r++) {
    const o = rows[r] * p;
    for (let a = 0; a < p; a++) c[a] = X[o + a] - location[a];
    for (let a = 0; a < p; a++) for (let b = a; b < p; b++) covariance[a * p + b] += c[a] * c[b];
  }
  const f = 1 / h;
  for (let a = 0; a < p; a++) {
    for (let b = a; b < p; b++) {
      covariance[a * p + b] *= f;
      covariance[b * p + a] = covariance[a * p + b];
    }
  }
  return { location, covariance };
}

function toMatrix(m: Float64Array, p: number): Matrix {
  const M = new Matrix(p, p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) M.set(a, b, m[a * p + b]);
  return M;
}

/** scikit-learn `fast_logdet`: ln|det| by LU, or -Infinity when the determinant is not positive. */
export function logDet(m: Float64Array, p: number): number {
  const lu = new LuDecomposition(toMatrix(m, p));
  const U = lu.upperTriangularMatrix;
  let sign = 1;
  let s = 0;
  for (let a = 0; a < p; a++) {
    const u = U.get(a, a);
    if (u === 0 || !Number.isFinite(u)) return -Infinity;
    if (u < 0) sign = -sign;
    s += Math.log(Math.abs(u));
  }
  // Parity of the row permutation.
  const perm = lu.pivotPermutationVector.slice();
  for (let a = 0; a < p; a++) {
    while (perm[a] !== a) {
      const t = perm[perm[a]];
      perm[perm[a]] = perm[a];
      perm[a] = t;
      sign = -sign;
    }
  }
  return sign > 0 ? s : -Infinity;
}

/**
 * scipy `pinvh`: the pseudo-inverse of a symmetric matrix from its eigendecomposition, keeping the
 * eigenvalues above `max|λ| * p * eps` (so a singular covariance still gives finite distances).
 */
export function pinvh(m: Float64Array, p: number): Float64Array {
  const evd = new EigenvalueDecomposition(toMatrix(m, p), { assumeSymmetric: true });
  const s = evd.realEigenvalues;
  const V = evd.eigenvectorMatrix;
  let maxS = 0;
  for (const v of s) maxS = Math.max(maxS, Math.abs(v));
  const cutoff = maxS * p * 2.220446049250313e-16;
  const out = new Float64Array(p * p);
  for (let k = 0; k < p; k++) {
    if (!(Math.abs(s[k]) > cutoff)) continue;
    const inv = 1 / s[k];
    for (let a = 0; a < p; a++) {
      const va = V.get(a, k) * inv;
      for (let b = 0; b < p; b++) out[a * p + b] += va * V.get(b, k);
    }
  }
  return out;
}

/** Squared Mahalanobis distances `((x - loc) P) . (x - loc)` of every row (numpy's operation order). */
function mahalanobis(X: Float64Array, n: number, p: number, loc: ArrayLike<number>, prec: ArrayLike<number>): Float64Array {
  // Typed copies keep the loop monomorphic (models loaded from JSON hold plain arrays).
  const location = Float64Array.from(loc);
  const precision = Float64Array.from(prec);
  const out = new Float64Array(n);
  const c = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < p; a++) c[a] = X[i * p + a] - location[a];
    let s = 0;
    for (let b = 0; b < p; b++) {
      let y = 0;
      for (let a = 0; a < p; a++) y += c[a] * precision[a * p + b];
      s += y * c[b];
    }
    out[i] = s;
  }
  return out;
}

/** Indices of the h smallest distances (ties by lower index), ascending by index. */
function smallest(dist: Float64Array, h: number): Int32Array {
  const cut = selectKth(Float64Array.from(dist), h - 1);
  let below = 0;
  for (let i = 0; i < dist.length; i++) if (dist[i] < cut) below++;
  let equal = h - below;
  const out = new Int32Array(h);
  let o = 0;
  for (let i = 0; i < dist.length && o < h; i++) {
    if (dist[i] < cut || (dist[i] === cut && equal-- > 0)) out[o++] = i;
  }
  return out;
}

function mask(n: number, rows: Int32Array): Uint8Array {
  const m = new Uint8Array(n);
  for (const r of rows) m[r] = 1;
  return m;
}

/** numpy `allclose(a, b)`: |a - b| <= 1e-8 + 1e-5 |b| (infinities equal only to themselves). */
function allclose(a: number, b: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= 1e-8 + 1e-5 * Math.abs(b);
}

/**
 * scikit-learn `_c_step`: from a random h-subset (or the h rows closest under an initial estimate),
 * concentration steps (mean and covariance of the h rows closest to the previous estimate) while the
 * log-determinant decreases, at most `iterations` times.
 */
function cStep(
  X: Float64Array,
  n: number,
  p: number,
  h: number,
  iterations: number,
  rng: Rng,
  initial?: { location: Float64Array; covariance: Float64Array },
): Estimate {
  let rows: Int32Array;
  if (!initial) {
    rows = rng.permutation(n).slice(0, h);
  } else {
    const precision = pinvh(initial.covariance, p);
    rows = smallest(mahalanobis(X, n, p, initial.location, precision), h);
  }
  let support = mask(n, rows);
  let { location, covariance } = meanCov(X, p, rows, false);
  let det = logDet(covariance, p);
  let precision = pinvh(covariance, p);
  let dist: Float64Array = new Float64Array(n).fill(Infinity);
  let previous: Estimate | undefined;
  let previousDet = Infinity;
  let remaining = iterations;
  while (det < previousDet && remaining > 0 && det !== -Infinity) {
    previous = { location, covariance, det, support, dist };
    previousDet = det;
    precision = pinvh(covariance, p);
    dist = mahalanobis(X, n, p, location, precision);
    rows = smallest(dist, h);
    support = mask(n, rows);
    ({ location, covariance } = meanCov(X, p, rows, false));
    det = logDet(covariance, p);
    remaining--;
  }
  const previousDist = dist;
  dist = mahalanobis(X, n, p, location, precision);
  let result: Estimate = { location, covariance, det, support, dist };
  if (det !== -Infinity && !allclose(det, previousDet) && det > previousDet && previous) {
    // scikit-learn warns "Determinant has increased" and keeps the previous estimate.
    result = { ...previous, dist: previousDist };
  }
  if (remaining === 0) result = { location, covariance, det, support, dist };
  return result;
}

/** scikit-learn `select_candidates`: the `select` estimates of lowest log-determinant. */
function selectCandidates(
  X: Float64Array,
  n: number,
  p: number,
  h: number,
  starts: number | { location: Float64Array; covariance: Float64Array }[],
  select: number,
  iterations: number,
  rng: Rng,
): Estimate[] {
  const all: Estimate[] = [];
  if (typeof starts === "number") for (let t = 0; t < starts; t++) all.push(cStep(X, n, p, h, iterations, rng));
  else for (const s of starts) all.push(cStep(X, n, p, h, iterations, rng, s));
  const order = all.map((_, i) => i).sort((a, b) => all[a].det - all[b].det || a - b);
  return order.slice(0, select).map((i) => all[i]);
}

function subsetRows(X: Float64Array, p: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * p);
  for (let r = 0; r < rows.length; r++) for (let a = 0; a < p; a++) out[r * p + a] = X[rows[r] * p + a];
  return out;
}

/**
 * scikit-learn `fast_mcd`: the raw MCD estimate of `h` rows. One feature: the exact univariate MCD
 * (the shortest window of h + 1 sorted values, location the mean of the midpoints of all such windows,
 * support the h rows closest to it). More features: 30 random starts with 2 C-steps, the best 10
 * refined to convergence; above 500 rows, starts on `n // 300` random subsets, merged on up to 1,500
 * rows, then refined on all rows.
 */
function fastMcd(X: Float64Array, n: number, p: number, h: number, rng: Rng): Estimate {
  if (p === 1) {
    let location: number;
    let support: Uint8Array;
    if (h < n) {
      const sorted = Float64Array.from(X).sort();
      let minDiff = Infinity;
      for (let i = 0; i + h < n; i++) minDiff = Math.min(minDiff, sorted[i + h] - sorted[i]);
      let s = 0;
      let count = 0;
      for (let i = 0; i + h < n; i++) {
        if (sorted[i + h] - sorted[i] === minDiff) {
          s += sorted[i + h] + sorted[i];
          count++;
        }
      }
      location = 0.5 * (s / count);
      const centred = new Float64Array(n);
      for (let i = 0; i < n; i++) centred[i] = Math.abs(X[i] - location);
      support = mask(n, smallest(centred, h));
    } else {
      support = new Uint8Array(n).fill(1);
      let s = 0;
      for (let i = 0; i < n; i++) s += X[i];
      location = s / n;
    }
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (support[i]) rows.push(i);
    // numpy var of the support (its own mean), not about `location`.
    const { covariance } = meanCov(X, 1, rows, false);
    const loc = Float64Array.of(location);
    const precision = pinvh(covariance, 1);
    return { location: loc, covariance, det: logDet(covariance, 1), support, dist: mahalanobis(X, n, 1, loc, precision) };
  }
  if (n > 500) {
    const nSubsets = Math.floor(n / 300);
    const nPerSubset = Math.floor(n / nSubsets);
    const shuffle = rng.permutation(n);
    const hSubset = Math.ceil(nPerSubset * (h / n));
    const nTrials = Math.max(10, Math.floor(500 / nSubsets));
    const bestPerSubset = 10;
    const starts: { location: Float64Array; covariance: Float64Array }[] = [];
    for (let s = 0; s < nSubsets; s++) {
      const sub = subsetRows(X, p, shuffle.subarray(s * nPerSubset, (s + 1) * nPerSubset));
      for (const e of selectCandidates(sub, nPerSubset, p, hSubset, nTrials, bestPerSubset, 2, rng)) starts.push(e);
    }
    const nMerged = Math.min(1500, n);
    const hMerged = Math.ceil(nMerged * (h / n));
    const bestMerged = n > 1500 ? 10 : 1;
    const selection = rng.permutation(n).slice(0, nMerged);
    const merged = selectCandidates(subsetRows(X, p, selection), nMerged, p, hMerged, starts, bestMerged, 30, rng);
    if (n < 1500) {
      const best = merged[0];
      const support = new Uint8Array(n);
      const dist = new Float64Array(n);
      for (let r = 0; r < nMerged; r++) {
        support[selection[r]] = best.support[r];
        dist[selection[r]] = best.dist[r];
      }
      return { ...best, support, dist };
    }
    return selectCandidates(X, n, p, h, merged, 1, 30, rng)[0];
  }
  const best = selectCandidates(X, n, p, h, 30, 10, 2, rng);
  return selectCandidates(X, n, p, h, best, 1, 30, rng)[0];
}

/** scikit-learn `c_step` from initial estimates (deterministic): exported for the reference tests. */
export function mcdCStep(
  X: FeatureMatrix,
  h: number,
  initial: { location: ArrayLike<number>; covariance: ArrayLike<number> },
  iterations = 30,
): { location: number[]; covariance: number[]; det: number; support: boolean[]; dist: number[] } {
  const e = cStep(X.data, X.rows, X.cols, h, iterations, new Rng(DEFAULT_SEED), {
    location: Float64Array.from(initial.location),
    covariance: Float64Array.from(initial.covariance),
  });
  return {
    location: Array.from(e.location),
    covariance: Array.from(e.covariance),
    det: e.det,
    support: Array.from(e.support, (s) => s === 1),
    dist: Array.from(e.dist),
  };
}

/** Rows in the raw MCD support for `n` rows and `p` features (scikit-learn's `n_support`). */
export function mcdSupportSize(n: number, p: number, supportFraction: number | null | undefined): number {
  return supportFraction == null ? Math.ceil(0.5 * (n + p + 1)) : Math.floor(supportFraction * n);
}

/**
 * The raw FastMCD estimate of `X` (scikit-learn `fast_mcd`): its support and the rows' squared
 * distances under it, from the generator seeded by `random_state` (a fixed seed when null).
 */
export function mcdRaw(
  X: FeatureMatrix,
  params: McdParams = {},
): { support: boolean[]; dist: number[]; logDet: number; location: number[]; covariance: number[] } {
  checkTrain(X, "MCD", 2);
  const h = mcdSupportSize(X.rows, X.cols, params.support_fraction);
  if (h < 1) throw new Error(`MCD: support_fraction ${params.support_fraction} keeps ${h} of ${X.rows} rows; it needs at least 1`);
  const raw = fastMcd(X.data, X.rows, X.cols, h, new Rng(params.random_state ?? DEFAULT_SEED));
  return {
    support: Array.from(raw.support, (s) => s === 1),
    dist: Array.from(raw.dist),
    logDet: raw.det,
    location: Array.from(raw.location),
    covariance: Array.from(raw.covariance),
  };
}

/**
 * scikit-learn `MinCovDet.fit` after `fast_mcd`: from the raw support and distances (with
 * `assume_centered`, distances recomputed about 0), the consistency correction
 * `median(dist) / chi2_p.median`, the reweighted mean and biased covariance of the rows whose corrected
 * distance is below the chi-square 97.5% quantile, its pseudo-inverse, and the squared distances of the
 * training rows under it (`decision_scores_`).
 * @throws Error when the raw support's covariance is 0 (the correction is 0) or no row is kept.
 */
export function mcdFromRaw(
  X: FeatureMatrix,
  raw: { support: ArrayLike<boolean | number>; dist: ArrayLike<number> },
  params: McdParams = {},
): { detector: McdDetector; trainScores: Float64Array } {
  const { rows: n, cols: p, data } = X;
  const centered = params.assume_centered ?? false;
  let rawDist: ArrayLike<number> = raw.dist;
  if (centered) {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (raw.support[i]) rows.push(i);
    const { covariance } = meanCov(data, p, rows, true);
    rawDist = mahalanobis(data, n, p, new Float64Array(p), pinvh(covariance, p));
  }
  const correction = median(rawDist) / chi2Quantile(p, 0.5);
  if (!(correction > 0 && Number.isFinite(correction))) {
    throw new Error(
      "MCD: the covariance of the support rows is 0 (more than half the training rows are identical); MCD cannot fit this metric, try a larger support_fraction or another model",
    );
  }
  const cut = chi2Quantile(p, 0.975);
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (rawDist[i] / correction < cut) kept.push(i);
  if (kept.length === 0) throw new Error("MCD: no training row is inside the reweighting cut-off");
  const { location, covariance } = meanCov(data, p, kept, centered);
  const precision = pinvh(covariance, p);
  const detector: McdDetector = { kind: "mcd", version: 1, location: Array.from(location), precision: Array.from(precision), n_support: kept.length };
  return { detector, trainScores: mahalanobis(data, n, p, location, precision) };
}

/**
 * Fits PyOD `MCD` (scikit-learn `MinCovDet`): the raw FastMCD estimate of `h = ceil((n + p + 1) / 2)`
 * rows (or `floor(support_fraction * n)`) ({@link mcdRaw}), then the correction and reweighting
 * ({@link mcdFromRaw}). `decision_scores_` are the squared Mahalanobis distances of the training rows
 * under the reweighted estimate, `threshold_` their `(1 - contamination)` percentile.
 *
 * Random starts come from {@link Rng} seeded by `random_state` (a fixed seed when null), so the model is
 * reproducible. scikit-learn's generator differs, and FastMCD's result depends on its random starts
 * (scikit-learn's own too, from seed to seed) unless the C-steps of all starts reach the same subset;
 * the univariate MCD is exact.
 *
 * @throws Error on non-finite values, fewer than 2 rows, a support fraction leaving fewer than 1 row,
 *   or a support whose covariance is 0 (more than half the rows identical; scikit-learn raises too).
 */
export function fitMcd(X: FeatureMatrix, params: McdParams = {}): PyodFit<McdDetector> {
  const raw = mcdRaw(X, params);
  const { detector, trainScores } = mcdFromRaw(X, raw, params);
  return { detector, trainScores, threshold: pyodThreshold(trainScores, params.contamination ?? DEFAULT_CONTAMINATION) };
}

/**
 * PyOD `MCD.decision_function` (scikit-learn `mahalanobis`): the squared Mahalanobis distance of each
 * row from the robust location under the robust precision.
 * @throws Error when X has another column count or non-finite values.
 */
export function mcdScores(m: McdDetector, X: FeatureMatrix): Float64Array {
  checkScore(X, "MCD", m.location.length);
  return mahalanobis(X.data, X.rows, X.cols, m.location, m.precision);
}

/** Validates a deserialized MCD detector; returns a problem or undefined. */
export function mcdProblem(d: Record<string, unknown>, cols: number): string | undefined {
  const finite = (v: unknown, len: number) => Array.isArray(v) && v.length === len && v.every((x) => typeof x === "number" && Number.isFinite(x));
  if (!finite(d.location, cols)) return `detector.location must hold ${cols} finite numbers`;
  if (!finite(d.precision, cols * cols)) return `detector.precision must hold ${cols * cols} finite numbers`;
  if (!Number.isInteger(d.n_support) || (d.n_support as number) < 1) return "detector.n_support must be a positive integer";
  return undefined;
}
