// PyOD's KNN outlier detector (Euclidean, n_neighbors=5, method "largest"),
// exact via a cached KD-tree.
//nobundling

import { KdTree } from "./kd-tree.ts";
import { assertFiniteMatrix, type FeatureMatrix } from "./matrix.ts";

/** How the k neighbour distances become one score (PyOD `method`). */
export const KNN_METHODS = ["largest", "mean", "median"] as const;
export type KnnMethod = (typeof KNN_METHODS)[number];

/** A fitted KNN detector; plain arrays only, so it survives a JSON round trip. */
export interface KnnModel {
  kind: "knn";
  version: 1;
  k: number;
  method: KnnMethod;
  cols: number;
  /** Row-major training rows, `train.length / cols` rows. */
  train: number[];
}

/** Optional KNN parameters (PyOD names and defaults). */
export interface KnnParams {
  /** Number of neighbours k (default 5). */
  n_neighbors?: number;
  /** "largest" (default): k-th distance; "mean" / "median" of the k distances. */
  method?: KnnMethod;
}

const treeCache = new WeakMap<KnnModel, KdTree>();

function treeFor(model: KnnModel): KdTree {
  let tree = treeCache.get(model);
  if (!tree) {
    tree = new KdTree(model.train, model.train.length / model.cols, model.cols);
    treeCache.set(model, tree);
  }
  return tree;
}

/** Combines ascending squared distances `sq[from .. from + k)` per PyOD `_get_dist_by_method`. */
function reduce(sq: Float64Array, from: number, k: number, method: KnnMethod): number {
  if (method === "largest") return Math.sqrt(sq[from + k - 1]);
  if (method === "mean") {
    let s = 0;
    for (let i = 0; i < k; i++) s += Math.sqrt(sq[from + i]);
    return s / k;
  }
  const h = k >> 1;
  return k % 2 === 1 ? Math.sqrt(sq[from + h]) : (Math.sqrt(sq[from + h - 1]) + Math.sqrt(sq[from + h])) / 2;
}

/**
 * Fits PyOD's `KNN` detector and returns its training decision scores.
 *
 * PyOD computes training scores with `NearestNeighbors.kneighbors()` (no X),
 * which excludes each row itself: `trainScore(i) = reduce(d_(1), ..., d_(k))`
 * where `d_(m)` is the m-th smallest Euclidean distance from row i to the OTHER
 * training rows (exact duplicates count, at distance 0). `reduce` is the k-th
 * distance ("largest"), the mean, or the median (numpy's: average of the two
 * middle values for even k). No feature scaling (PyOD KNN has none).
 *
 * @throws Error on an invalid `n_neighbors` / `method`, non-finite values, zero
 *   columns, or fewer than k+1 rows ("KNN needs at least k+1 rows").
 * @example
 * const { trainScores } = fitKnn(fromRows([[0], [1], [3], [6]]), { n_neighbors: 1 });
 * Array.from(trainScores); // [1, 1, 2, 3]
 */
export function fitKnn(X: FeatureMatrix, params: KnnParams = {}): { model: KnnModel; trainScores: Float64Array } {
  const model = buildKnn(X, params);
  const { k, method } = model;
  const tree = treeFor(model);
  const sq = new Float64Array(k + 1);
  const trainScores = new Float64Array(X.rows);
  for (let t = 0; t < X.rows; t++) {
    tree.nearestSquared(tree.points, t * X.cols, k + 1, sq);
    // sq[0] is 0 (the row itself, or an identical duplicate): drop one zero.
    trainScores[tree.index[t]] = reduce(sq, 1, k, method);
  }
  return { model, trainScores };
}

/**
 * Validates the parameters and the training rows and returns the fitted (JSON-safe) model, its
 * KD-tree built and cached. {@link fitKnn} adds the training scores.
 * @throws Error as described for {@link fitKnn}.
 */
export function buildKnn(X: FeatureMatrix, params: KnnParams = {}): KnnModel {
  const k = params.n_neighbors ?? 5;
  const method = params.method ?? "largest";
  if (!Number.isInteger(k) || k < 1) throw new Error(`KNN n_neighbors must be a positive integer, got ${k}`);
  if (!(KNN_METHODS as readonly string[]).includes(method)) {
    throw new Error(`KNN method must be one of ${KNN_METHODS.join(", ")}, got ${JSON.stringify(method)}`);
  }
  assertFiniteMatrix(X, "KNN fit");
  if (X.cols < 1) throw new Error("KNN needs at least 1 column");
  const n = X.rows;
  if (n < k + 1) throw new Error(`KNN needs at least k+1 rows (n_neighbors=${k}, so ${k + 1}), got ${n}`);
  // A plain loop: Array.from on a typed array goes through the iterator, several times slower.
  const train = new Array<number>(X.data.length);
  for (let i = 0; i < train.length; i++) train[i] = X.data[i];
  const model: KnnModel = { kind: "knn", version: 1, k, method, cols: X.cols, train };
  treeCache.set(model, new KdTree(X.data, n, X.cols));
  return model;
}

/**
 * The minimum and maximum training decision score of a KNN model: all that calibration needs
 * (PyOD's `predict_proba` "linear" min-max scales by them), computed without scoring every row.
 *
 * For "largest" (the default) the training score of row i is d_k(i), its k-th smallest distance to
 * the other rows; the KD-tree finds the largest and the smallest d_k over all rows by searches that
 * stop early or stay below the minimum found so far ({@link KdTree.maxKthSquared},
 * {@link KdTree.minKthSquared}). Both are the very distances a full scan computes, so the result
 * equals the min and max of {@link fitKnn}'s `trainScores` exactly. Other methods score every row.
 * @example knnTrainScoreRange(buildKnn(fromRows([[0], [1], [3], [6]]), { n_neighbors: 1 })) // => { min: 1, max: 3 }
 */
export function knnTrainScoreRange(model: KnnModel): { min: number; max: number } {
  const tree = treeFor(model);
  const { k, cols } = model;
  if (model.method === "largest") {
    return { min: Math.sqrt(tree.minKthSquared(k)), max: Math.sqrt(tree.maxKthSquared(k)) };
  }
  const sq = new Float64Array(k + 1);
  let min = Infinity;
  let max = -Infinity;
  for (let t = 0; t < tree.n; t++) {
    tree.nearestSquared(tree.points, t * cols, k + 1, sq);
    const s = reduce(sq, 1, k, model.method);
    if (s < min) min = s;
    if (s > max) max = s;
  }
  return { min, max };
}

/**
 * PyOD `KNN.decision_function`: `score(x) = reduce(d_(1), ..., d_(k))` over the
 * k smallest Euclidean distances from x to the training rows (`tree_.query(X, k)`);
 * a training row equal to x counts at distance 0. The KD-tree is built on first
 * use and cached per model object (WeakMap).
 *
 * @throws Error when `X` has a different number of columns or non-finite values.
 * @example
 * const { model } = fitKnn(fromRows([[0], [1], [3], [6]]), { n_neighbors: 1 });
 * Array.from(knnScores(model, fromRows([[1], [10]]))); // [0, 4]
 */
export function knnScores(model: KnnModel, X: FeatureMatrix): Float64Array {
  assertFiniteMatrix(X, "KNN score");
  if (X.cols !== model.cols) throw new Error(`KNN score: model has ${model.cols} columns, X has ${X.cols}`);
  const out = new Float64Array(X.rows);
  const sq = new Float64Array(model.k);
  // A few rows against a freshly loaded model: a scan is cheaper than building the tree, and gives
  // the same distances (same summation order).
  if (X.rows <= SCAN_MAX_ROWS && !treeCache.has(model)) {
    for (let i = 0; i < X.rows; i++) {
      scanNearestSquared(model, X.data, i * X.cols, sq);
      out[i] = reduce(sq, 0, model.k, model.method);
    }
    return out;
  }
  const tree = treeFor(model);
  for (let i = 0; i < X.rows; i++) {
    tree.nearestSquared(X.data, i * X.cols, model.k, sq);
    out[i] = reduce(sq, 0, model.k, model.method);
  }
  return out;
}

/** Scoring at most this many rows of a model without a cached tree scans the training rows. */
export const SCAN_MAX_ROWS = 64;

/** The k smallest squared distances from one query row to the training rows, ascending, by a scan. */
function scanNearestSquared(model: KnnModel, q: ArrayLike<number>, qOff: number, out: Float64Array): void {
  const { k, cols, train } = model;
  out.fill(Infinity);
  for (let o = 0; o < train.length; o += cols) {
    let acc = 0;
    for (let j = 0; j < cols; j++) {
      const g = q[qOff + j] - train[o + j];
      acc += g * g;
    }
    if (acc >= out[k - 1]) continue;
    let m = k - 1;
    while (m > 0 && out[m - 1] > acc) {
      out[m] = out[m - 1];
      m--;
    }
    out[m] = acc;
  }
}
