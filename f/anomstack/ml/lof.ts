// PyOD's LOF detector (Breunig et al. 2000, "LOF: Identifying Density-Based Local Outliers"), as
// scikit-learn's LocalOutlierFactor with novelty=True computes it: exact Euclidean k-nearest neighbours.
//nobundling

import { NeighborIndex } from "./neighbor-index.ts";
import { checkScore, checkTrain, pyodThreshold, DEFAULT_CONTAMINATION, type PyodFit } from "./pyod-base.ts";
import type { FeatureMatrix } from "./matrix.ts";

/** A fitted LOF model (JSON-safe). */
export interface LofDetector {
  kind: "lof";
  version: 1;
  /** Neighbours used: `min(n_neighbors, n - 1)` (scikit-learn's `n_neighbors_`). */
  k: number;
  cols: number;
  /** Row-major training rows. */
  train: number[];
  /** Each training row's k-distance (distance to its k-th nearest other row). */
  kdist: number[];
  /** Each training row's local reachability density. */
  lrd: number[];
}

/** PyOD `LOF` parameters; `algorithm`, `leaf_size`, `n_jobs` are accepted and ignored (the search is exact). */
export interface LofParams {
  /** k (default 20); more than n - 1 training rows uses n - 1, as scikit-learn does. */
  n_neighbors?: number;
  contamination?: number;
}

/** scikit-learn adds this to the mean reachability distance, so duplicates give a finite density. */
const LRD_EPS = 1e-10;

const indexCache = new WeakMap<LofDetector, NeighborIndex>();

function indexFor(m: LofDetector): NeighborIndex {
  let index = indexCache.get(m);
  if (!index) {
    index = new NeighborIndex(Float64Array.from(m.train), m.train.length / m.cols, m.cols);
    indexCache.set(m, index);
  }
  return index;
}

/**
 * Fits PyOD `LOF(n_neighbors=20)` (scikit-learn `LocalOutlierFactor(novelty=True)`): for each training
 * row its k nearest other rows (Euclidean, exact, by a KD-tree (neighbor-index.ts); exact duplicates
 * count at distance 0; ties by row order),
 * its k-distance, and its local reachability density
 * `lrd(a) = 1 / (mean_b max(d(a, b), kdist(b)) + 1e-10)` over those neighbours b.
 * `decision_scores_` = `-negative_outlier_factor_` = `mean_b lrd(b) / lrd(a)`; `threshold_` is their
 * `(1 - contamination)` percentile.
 *
 * @throws Error on non-finite values, zero columns or fewer than 2 rows.
 * @example
 * const { trainScores } = fitLof(fromRows([[0], [1], [2], [3], [10]]), { n_neighbors: 2 });
 * trainScores[4] > 3; // true: the isolated row is far less dense than its neighbours
 */
export function fitLof(X: FeatureMatrix, params: LofParams = {}): PyodFit<LofDetector> {
  checkTrain(X, "LOF", 2);
  const { rows: n, cols: p, data } = X;
  const k = Math.max(1, Math.min(params.n_neighbors ?? 20, n - 1));
  const nbDist = new Float64Array(n * k);
  const nbIdx = new Int32Array(n * k);
  const sq = new Float64Array(k);
  const idx = new Int32Array(k);
  const index = new NeighborIndex(data, n, p);
  for (let i = 0; i < n; i++) {
    index.query(data, i * p, k, i, sq, idx);
    for (let m = 0; m < k; m++) {
      nbDist[i * k + m] = Math.sqrt(sq[m]);
      nbIdx[i * k + m] = idx[m];
    }
  }
  const kdist = new Array<number>(n);
  for (let i = 0; i < n; i++) kdist[i] = nbDist[i * k + k - 1];
  const lrd = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let m = 0; m < k; m++) s += Math.max(nbDist[i * k + m], kdist[nbIdx[i * k + m]]);
    lrd[i] = 1 / (s / k + LRD_EPS);
  }
  const trainScores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let m = 0; m < k; m++) s += lrd[nbIdx[i * k + m]] / lrd[i];
    trainScores[i] = s / k;
  }
  const train = new Array<number>(data.length);
  for (let i = 0; i < data.length; i++) train[i] = data[i];
  const detector: LofDetector = { kind: "lof", version: 1, k, cols: p, train, kdist, lrd };
  indexCache.set(detector, index);
  return { detector, trainScores, threshold: pyodThreshold(trainScores, params.contamination ?? DEFAULT_CONTAMINATION) };
}

/**
 * PyOD `LOF.decision_function` (scikit-learn `-score_samples`): the k nearest training rows of x
 * (a training row equal to x counts, at distance 0), `lrd(x)` from their reachability distances
 * `max(d(x, b), kdist(b))`, and the score `mean_b lrd(b) / lrd(x)`.
 *
 * @throws Error when X has another column count or non-finite values.
 */
export function lofScores(m: LofDetector, X: FeatureMatrix): Float64Array {
  checkScore(X, "LOF", m.cols);
  const { k, cols: p, kdist, lrd } = m;
  const index = indexFor(m);
  const sq = new Float64Array(k);
  const idx = new Int32Array(k);
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    index.query(X.data, i * p, k, -1, sq, idx);
    let s = 0;
    for (let q = 0; q < k; q++) s += Math.max(Math.sqrt(sq[q]), kdist[idx[q]]);
    const own = 1 / (s / k + LRD_EPS);
    let r = 0;
    for (let q = 0; q < k; q++) r += lrd[idx[q]] / own;
    out[i] = r / k;
  }
  return out;
}

/** Validates a deserialized LOF detector; returns a problem or undefined. */
export function lofProblem(d: Record<string, unknown>, cols: number): string | undefined {
  if (d.cols !== cols) return `detector.cols must equal the ${cols} columns`;
  const train = d.train;
  if (!Array.isArray(train) || train.length === 0 || train.length % cols !== 0 || !train.every(Number.isFinite)) {
    return `detector.train must hold a whole number of ${cols}-column rows of finite numbers`;
  }
  const n = train.length / cols;
  if (!Number.isInteger(d.k) || (d.k as number) < 1 || (d.k as number) > Math.max(1, n - 1))
    return `detector.k must be an integer in [1, ${Math.max(1, n - 1)}]`;
  for (const key of ["kdist", "lrd"] as const) {
    const v = d[key];
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === "number" && Number.isFinite(x) && x >= 0)) {
      return `detector.${key} must hold ${n} non-negative numbers`;
    }
  }
  return undefined;
}
