// PyOD's IForest detector (Liu, Ting & Zhou 2008, "Isolation Forest"), built as scikit-learn's
// IsolationForest builds it, from a seeded generator: the same rows and seed give the same forest.
//nobundling

import { checkScore, checkTrain, percentile, pyodThreshold, DEFAULT_CONTAMINATION, type PyodFit } from "./pyod-base.ts";
import { DEFAULT_SEED, Rng } from "./random.ts";
import type { FeatureMatrix } from "./matrix.ts";

/** One isolation tree in preorder (a node's left subtree follows it, then its right subtree). */
export interface IsolationTree {
  /** Split feature (a column of the whole matrix) of each node, -1 for a leaf. */
  feature: number[];
  /** Split threshold (rows with value <= it go left) of an inner node; training rows in a leaf. */
  value: number[];
}

/** A fitted IForest model (JSON-safe). */
export interface IForestDetector {
  kind: "iforest";
  version: 1;
  cols: number;
  /** Rows each tree was grown on (scikit-learn `max_samples_`); c(max_samples) normalises path lengths. */
  max_samples: number;
  /** scikit-learn `offset_`: the `contamination` percentile of the training `score_samples`. */
  offset: number;
  trees: IsolationTree[];
}

/** PyOD `IForest` parameters; `n_jobs`, `behaviour` and `verbose` are accepted and ignored. */
export interface IForestParams {
  /** Trees (default 100). */
  n_estimators?: number;
  /** Rows per tree: "auto" (default) = min(256, n); an integer >= 2 = that many (at most n); a number in (0, 1] = that share of n. */
  max_samples?: "auto" | number;
  contamination?: number;
  /** Features per tree: 1 (default, = 1.0) all of them; an integer >= 2 that many; a number in (0, 1) that share. */
  max_features?: number;
  /** Draw each tree's rows with replacement (default false). */
  bootstrap?: boolean;
  /** Seed of the generator; null (default) uses a fixed seed, so retraining on the same rows gives the same model. */
  random_state?: number | null;
}

/** scikit-learn `FEATURE_THRESHOLD`: a feature spanning no more than this within a node counts as constant. */
const FEATURE_THRESHOLD = 1e-7;
const EULER_GAMMA = 0.5772156649015329;

/**
 * `c(n)`, the average path length of an unsuccessful search in a binary search tree of n points, which
 * normalises isolation depths (scikit-learn `_average_path_length`): 0 for n <= 1, 1 for n = 2, else
 * `2 (ln(n - 1) + γ) - 2 (n - 1) / n`.
 * @example averagePathLength(256); // 10.244770920116851
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2.0 * (Math.log(n - 1.0) + EULER_GAMMA) - (2.0 * (n - 1.0)) / n;
}

/** Rows per tree for `max_samples` (scikit-learn's rules; 1 means all rows, as 1.0 does). */
export function resolveMaxSamples(maxSamples: "auto" | number | undefined, n: number): number {
  if (maxSamples === undefined || maxSamples === "auto") return Math.min(256, n);
  if (Number.isInteger(maxSamples) && maxSamples >= 2) return Math.min(maxSamples, n);
  if (maxSamples > 0 && maxSamples <= 1) return Math.max(1, Math.floor(maxSamples * n));
  throw new Error(`IForest max_samples must be "auto", an integer >= 2 or a number in (0, 1], got ${maxSamples}`);
}

/** Features per tree for `max_features` (scikit-learn's rules; 1 means all features, as 1.0 does). */
export function resolveMaxFeatures(maxFeatures: number | undefined, p: number): number {
  if (maxFeatures === undefined || maxFeatures === 1) return p;
  if (Number.isInteger(maxFeatures) && maxFeatures >= 2) {
    if (maxFeatures > p) throw new Error(`IForest max_features ${maxFeatures} is more than the ${p} feature columns`);
    return maxFeatures;
  }
  if (maxFeatures > 0 && maxFeatures < 1) return Math.max(1, Math.floor(maxFeatures * p));
  throw new Error(`IForest max_features must be an integer >= 1 or a number in (0, 1], got ${maxFeatures}`);
}

/** Grows one isolation tree on `idx` (rows of the float32 data `Xf`) over the candidate `features`. */
function growTree(Xf: Float32Array, p: number, idx: Int32Array, features: Int32Array, maxDepth: number, rng: Rng): IsolationTree {
  const feature: number[] = [];
  const value: number[] = [];
  const candidates = new Int32Array(features.length);
  const build = (lo: number, hi: number, depth: number): void => {
    const n = hi - lo;
    if (depth >= maxDepth || n < 2) {
      feature.push(-1);
      value.push(n);
      return;
    }
    // A uniformly random feature among those not constant within the node.
    let m = 0;
    for (const f of features) {
      let min = Infinity;
      let max = -Infinity;
      for (let t = lo; t < hi; t++) {
        const v = Xf[idx[t] * p + f];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (max > min + FEATURE_THRESHOLD) candidates[m++] = f;
    }
    if (m === 0) {
      feature.push(-1);
      value.push(n);
      return;
    }
    const f = candidates[rng.int(m)];
    let min = Infinity;
    let max = -Infinity;
    for (let t = lo; t < hi; t++) {
      const v = Xf[idx[t] * p + f];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    let threshold = rng.uniform(min, max);
    if (threshold === max) threshold = min;
    // Partition: values <= threshold first (both sides are non-empty: min <= threshold < max).
    let a = lo;
    let b = hi - 1;
    while (a <= b) {
      if (Xf[idx[a] * p + f] <= threshold) a++;
      else {
        const t = idx[a];
        idx[a] = idx[b];
        idx[b] = t;
        b--;
      }
    }
    feature.push(f);
    value.push(threshold);
    build(lo, a, depth + 1);
    build(a, hi, depth + 1);
  };
  build(0, idx.length, 0);
  return { feature, value };
}

/**
 * Fits PyOD `IForest` (scikit-learn `IsolationForest`): `n_estimators` trees, each grown on
 * `max_samples` rows drawn without replacement (with, if `bootstrap`) and `max_features` features,
 * to depth `ceil(log2(max_samples))`: at each node a uniformly random feature that is not constant in
 * the node and a uniform threshold between its minimum and maximum there. Values are rounded to
 * float32 first, as scikit-learn's trees do. `offset` is the `contamination` percentile of the training
 * `score_samples`; `decision_scores_` are {@link iforestScores} of the training rows (so about a
 * `contamination` share of them is above 0) and `threshold_` their `(1 - contamination)` percentile.
 *
 * scikit-learn's generator cannot be reproduced: the forest has the same structure and distribution of
 * scores as scikit-learn's, not the same trees. {@link Rng} seeded by `random_state` (a fixed seed when
 * null) makes it reproducible.
 *
 * @throws Error on non-finite values, fewer than 2 rows or invalid parameters.
 */
export function fitIForest(X: FeatureMatrix, params: IForestParams = {}): PyodFit<IForestDetector> {
  checkTrain(X, "IForest", 2);
  const { rows: n, cols: p } = X;
  const nTrees = params.n_estimators ?? 100;
  if (!Number.isInteger(nTrees) || nTrees < 1) throw new Error(`IForest n_estimators must be a positive integer, got ${nTrees}`);
  const maxSamples = resolveMaxSamples(params.max_samples, n);
  const nFeatures = resolveMaxFeatures(params.max_features, p);
  const maxDepth = Math.ceil(Math.log2(Math.max(maxSamples, 2)));
  const rng = new Rng(params.random_state ?? DEFAULT_SEED);
  const Xf = Float32Array.from(X.data);
  const all = new Int32Array(p);
  for (let j = 0; j < p; j++) all[j] = j;
  const trees: IsolationTree[] = [];
  for (let t = 0; t < nTrees; t++) {
    const features = nFeatures === p ? all : rng.sample(p, nFeatures).sort();
    let idx: Int32Array;
    if (params.bootstrap) {
      idx = new Int32Array(maxSamples);
      for (let i = 0; i < maxSamples; i++) idx[i] = rng.int(n);
    } else idx = rng.sample(n, maxSamples);
    trees.push(growTree(Xf, p, idx, features, maxDepth, rng));
  }
  const detector: IForestDetector = { kind: "iforest", version: 1, cols: p, max_samples: maxSamples, offset: 0, trees };
  const anomaly = anomalyScores(detector, X);
  const scoreSamples = anomaly.map((s) => -s);
  detector.offset = percentile(scoreSamples, 100.0 * (params.contamination ?? DEFAULT_CONTAMINATION));
  const trainScores = decisionFromAnomaly(anomaly, detector.offset);
  return { detector, trainScores, threshold: pyodThreshold(trainScores, params.contamination ?? DEFAULT_CONTAMINATION) };
}

/** A tree compiled for scoring: typed arrays, right-child links and each leaf's `c(rows)`. */
interface CompiledTree {
  feature: Int32Array;
  /** Threshold of an inner node; `c(leaf rows)` of a leaf. */
  value: Float64Array;
  /** Right child of an inner node (its left child is the next node). */
  right: Int32Array;
}

const compiledCache = new WeakMap<IsolationTree, CompiledTree>();

function compile(tree: IsolationTree): CompiledTree {
  let c = compiledCache.get(tree);
  if (c) return c;
  const size = tree.feature.length;
  const feature = Int32Array.from(tree.feature);
  const value = Float64Array.from(tree.value);
  const right = new Int32Array(size).fill(-1);
  // Returns the index just past the subtree starting at i.
  const walk = (i: number): number => {
    if (i >= size) throw new Error("IForest: a tree's preorder arrays are inconsistent");
    if (feature[i] < 0) {
      value[i] = averagePathLength(value[i]);
      return i + 1;
    }
    const r = walk(i + 1);
    right[i] = r;
    return walk(r);
  };
  if (walk(0) !== size) throw new Error("IForest: a tree's preorder arrays are inconsistent");
  c = { feature, value, right };
  compiledCache.set(tree, c);
  return c;
}

/**
 * The isolation forest's anomaly score `s(x) = 2^(-E[h(x)] / c(max_samples))` of each row (scikit-learn
 * `-score_samples`): `h(x)` is the depth of x's leaf plus `c(leaf rows)`, averaged over the trees; 0.5
 * for every row when `c(max_samples)` is 0 (one row per tree). Values are compared as float32.
 */
export function anomalyScores(m: IForestDetector, X: FeatureMatrix): Float64Array {
  checkScore(X, "IForest", m.cols);
  const p = m.cols;
  const n = X.rows;
  const Xf = Float32Array.from(X.data);
  const depths = new Float64Array(n);
  for (const tree of m.trees) {
    const { feature, value, right } = compile(tree);
    for (let i = 0; i < n; i++) {
      const o = i * p;
      let node = 0;
      let nodes = 1;
      let f = feature[0];
      while (f >= 0) {
        node = Xf[o + f] <= value[node] ? node + 1 : right[node];
        f = feature[node];
        nodes++;
      }
      depths[i] += nodes + value[node] - 1.0;
    }
  }
  const denominator = m.trees.length * averagePathLength(m.max_samples);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 ** -(denominator !== 0 ? depths[i] / denominator : 1);
  return out;
}

/**
 * PyOD `IForest.decision_function` = `-(score_samples - offset_)` = `s(x) + offset` ({@link anomalyScores}).
 * @throws Error when X has another column count or non-finite values.
 */
export function iforestScores(m: IForestDetector, X: FeatureMatrix): Float64Array {
  return decisionFromAnomaly(anomalyScores(m, X), m.offset);
}

function decisionFromAnomaly(s: Float64Array, offset: number): Float64Array {
  const out = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = -(-s[i] - offset);
  return out;
}

/** Validates a deserialized IForest detector; returns a problem or undefined. */
export function iforestProblem(d: Record<string, unknown>, cols: number): string | undefined {
  if (d.cols !== cols) return `detector.cols must equal the ${cols} columns`;
  if (!Number.isInteger(d.max_samples) || (d.max_samples as number) < 1) return "detector.max_samples must be a positive integer";
  if (typeof d.offset !== "number" || !Number.isFinite(d.offset)) return "detector.offset must be a finite number";
  if (!Array.isArray(d.trees) || d.trees.length < 1) return "detector.trees must be a non-empty array";
  for (const [t, tree] of d.trees.entries()) {
    const { feature, value } = (tree ?? {}) as Record<string, unknown>;
    if (!Array.isArray(feature) || !Array.isArray(value) || feature.length !== value.length || feature.length < 1) {
      return `detector.trees[${t}] must have equally long feature and value arrays`;
    }
    if (!feature.every((f) => Number.isInteger(f) && f >= -1 && f < cols)) return `detector.trees[${t}].feature must hold -1 or column indices`;
    if (!value.every((v) => typeof v === "number" && Number.isFinite(v))) return `detector.trees[${t}].value must hold finite numbers`;
    try {
      compile(tree as IsolationTree);
    } catch (e) {
      return `detector.trees[${t}]: ${(e as Error).message}`;
    }
  }
  return undefined;
}
