// PyOD's OCSVM detector (Schölkopf et al. 2001, "Estimating the Support of a High-Dimensional
// Distribution"), solved as LIBSVM (and so scikit-learn's OneClassSVM) solves it: SMO with second-order
// working-set selection, shrinking and LIBSVM's float kernel cache (Chang & Lin 2011, sections 4-5).
//nobundling

import { checkScore, checkTrain, pyodThreshold, DEFAULT_CONTAMINATION, type PyodFit } from "./pyod-base.ts";
import type { FeatureMatrix } from "./matrix.ts";

/** Kernels of `kernel` (LIBSVM's; "precomputed" is not supported). */
export const OCSVM_KERNELS = ["rbf", "linear", "poly", "sigmoid"] as const;
export type OcsvmKernel = (typeof OCSVM_KERNELS)[number];

/** A fitted OCSVM model (JSON-safe): the support vectors, their coefficients and rho. */
export interface OcsvmDetector {
  kind: "ocsvm";
  version: 1;
  kernel: OcsvmKernel;
  /** The gamma used ("auto" and "scale" resolved at fit). */
  gamma: number;
  degree: number;
  coef0: number;
  cols: number;
  /** Row-major support vectors (training rows with a positive dual coefficient), in training order. */
  sv: number[];
  /** Their dual coefficients (scikit-learn `dual_coef_`), in (0, 1]. */
  coef: number[];
  /** scikit-learn `offset_` = -`intercept_`: the decision function is `sum_i coef_i K(sv_i, x) - rho`. */
  rho: number;
  /** SMO iterations of the fit, and whether it stopped at `max_iter` before converging. */
  iterations: number;
  converged: boolean;
}

/** PyOD `OCSVM` parameters; `cache_size` and `verbose` are accepted and ignored. */
export interface OcsvmParams {
  kernel?: OcsvmKernel;
  /** Degree of the "poly" kernel (default 3). */
  degree?: number;
  /** "auto" (default, PyOD's): 1 / features; "scale": 1 / (features * variance of X); or a positive number. */
  gamma?: "auto" | "scale" | number;
  /** Constant term of the "poly" and "sigmoid" kernels (default 0). */
  coef0?: number;
  /** Stopping tolerance of the SMO solver (default 1e-3). */
  tol?: number;
  /** Upper bound on the share of training rows outside the support, lower bound on support vectors (default 0.5). */
  nu?: number;
  /** LIBSVM's shrinking heuristic (default true). */
  shrinking?: boolean;
  /** Iteration limit; -1 (default) = none. */
  max_iter?: number;
  contamination?: number;
}

/** LIBSVM's floor of a non-positive second derivative in the working-set selection. */
const TAU = 1e-12;
const LOWER = 0;
const UPPER = 1;
const FREE = 2;

/** LIBSVM `powi`: `base^times` by repeated squaring. */
function powi(base: number, times: number): number {
  let tmp = base;
  let ret = 1.0;
  for (let t = times; t > 0; t = Math.floor(t / 2)) {
    if (t % 2 === 1) ret *= tmp;
    tmp = tmp * tmp;
  }
  return ret;
}

function dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, p: number): number {
  let s = 0;
  for (let j = 0; j < p; j++) s += a[ao + j] * b[bo + j];
  return s;
}

/** The kernel as LIBSVM's prediction (`k_function`) computes it; RBF from the squared difference. */
function kernelValue(
  m: Pick<OcsvmDetector, "kernel" | "gamma" | "degree" | "coef0">,
  a: ArrayLike<number>,
  ao: number,
  b: ArrayLike<number>,
  bo: number,
  p: number,
): number {
  switch (m.kernel) {
    case "linear":
      return dot(a, ao, b, bo, p);
    case "poly":
      return powi(m.gamma * dot(a, ao, b, bo, p) + m.coef0, m.degree);
    case "sigmoid":
      return Math.tanh(m.gamma * dot(a, ao, b, bo, p) + m.coef0);
    default: {
      let s = 0;
      for (let j = 0; j < p; j++) {
        const d = a[ao + j] - b[bo + j];
        s += d * d;
      }
      return Math.exp(-m.gamma * s);
    }
  }
}

/** The gamma scikit-learn uses for "auto", "scale" or a number. */
export function resolveGamma(gamma: "auto" | "scale" | number | undefined, X: FeatureMatrix): number {
  if (gamma === undefined || gamma === "auto") return 1 / X.cols;
  if (gamma === "scale") {
    const d = X.data;
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[i];
    const mean = s / d.length;
    let v = 0;
    for (let i = 0; i < d.length; i++) v += (d[i] - mean) ** 2;
    v /= d.length;
    return v !== 0 ? 1.0 / (X.cols * v) : 1.0;
  }
  if (!(gamma > 0)) throw new Error(`OCSVM gamma must be "auto", "scale" or a positive number, got ${gamma}`);
  return gamma;
}

/**
 * LIBSVM's dual solver for the one-class problem: minimise `a'Qa / 2` subject to `0 <= a_i <= 1` and
 * `sum a_i = nu * l`, starting from scikit-learn's `a = (1, ..., 1, frac, 0, ...)`. Kernel columns are
 * computed on demand and kept as float32, as LIBSVM's cache keeps them. Returns the alphas by training
 * row, rho and the iteration count.
 */
function solveOneClass(
  X: Float64Array,
  l: number,
  p: number,
  k: Pick<OcsvmDetector, "kernel" | "gamma" | "degree" | "coef0">,
  nu: number,
  eps: number,
  shrinking: boolean,
  maxIter: number,
): { alpha: Float64Array; rho: number; iterations: number; converged: boolean } {
  const xsq = new Float64Array(l);
  for (let i = 0; i < l; i++) xsq[i] = dot(X, i * p, X, i * p, p);
  // LIBSVM's training kernel (Kernel::kernel_*): RBF from the squared norms and the dot product.
  const trainKernel = (a: number, b: number): number => {
    switch (k.kernel) {
      case "linear":
        return dot(X, a * p, X, b * p, p);
      case "poly":
        return powi(k.gamma * dot(X, a * p, X, b * p, p) + k.coef0, k.degree);
      case "sigmoid":
        return Math.tanh(k.gamma * dot(X, a * p, X, b * p, p) + k.coef0);
      default:
        return Math.exp(-k.gamma * (xsq[a] + xsq[b] - 2 * dot(X, a * p, X, b * p, p)));
    }
  };
  const columns: (Float32Array | undefined)[] = new Array(l);
  /** Kernel column of training row `orig`, by training row. */
  const column = (orig: number): Float32Array => {
    let c = columns[orig];
    if (!c) {
      c = new Float32Array(l);
      for (let t = 0; t < l; t++) c[t] = trainKernel(orig, t);
      columns[orig] = c;
    }
    return c;
  };

  // Everything below is indexed by position; `act[pos]` is the training row (LIBSVM's active_set).
  const act = new Int32Array(l);
  const QD = new Float64Array(l);
  const alpha = new Float64Array(l);
  const status = new Uint8Array(l);
  const G = new Float64Array(l);
  const Gbar = new Float64Array(l);
  for (let i = 0; i < l; i++) {
    act[i] = i;
    QD[i] = trainKernel(i, i);
  }
  // scikit-learn's start: nu * l (summed row by row) spread as 1, 1, ..., remainder, 0, ...
  let nuL = 0;
  for (let i = 0; i < l; i++) nuL += nu;
  for (let i = 0; i < l && nuL > 0; i++) {
    alpha[i] = Math.min(1, nuL);
    nuL -= alpha[i];
  }
  const updateStatus = (i: number) => {
    status[i] = alpha[i] >= 1 ? UPPER : alpha[i] <= 0 ? LOWER : FREE;
  };
  for (let i = 0; i < l; i++) updateStatus(i);
  for (let i = 0; i < l; i++) {
    if (status[i] === LOWER) continue;
    const Qi = column(act[i]);
    const ai = alpha[i];
    for (let j = 0; j < l; j++) G[j] += ai * Qi[act[j]];
    if (status[i] === UPPER) for (let j = 0; j < l; j++) Gbar[j] += Qi[act[j]];
  }

  let active = l;
  let unshrink = false;

  const swap = (i: number, j: number) => {
    let t = act[i];
    act[i] = act[j];
    act[j] = t;
    let d = QD[i];
    QD[i] = QD[j];
    QD[j] = d;
    d = alpha[i];
    alpha[i] = alpha[j];
    alpha[j] = d;
    d = G[i];
    G[i] = G[j];
    G[j] = d;
    d = Gbar[i];
    Gbar[i] = Gbar[j];
    Gbar[j] = d;
    t = status[i];
    status[i] = status[j];
    status[j] = t;
  };

  const reconstructGradient = () => {
    if (active === l) return;
    for (let j = active; j < l; j++) G[j] = Gbar[j];
    let nrFree = 0;
    for (let j = 0; j < active; j++) if (status[j] === FREE) nrFree++;
    if (nrFree * l > 2 * active * (l - active)) {
      for (let i = active; i < l; i++) {
        const Qi = column(act[i]);
        for (let j = 0; j < active; j++) if (status[j] === FREE) G[i] += alpha[j] * Qi[act[j]];
      }
    } else {
      for (let i = 0; i < active; i++) {
        if (status[i] !== FREE) continue;
        const Qi = column(act[i]);
        const ai = alpha[i];
        for (let j = active; j < l; j++) G[j] += ai * Qi[act[j]];
      }
    }
  };

  const beShrunk = (i: number, gmax1: number, gmax2: number): boolean => {
    if (status[i] === UPPER) return -G[i] > gmax1;
    if (status[i] === LOWER) return G[i] > gmax2;
    return false;
  };

  const doShrinking = () => {
    let gmax1 = -Infinity;
    let gmax2 = -Infinity;
    for (let i = 0; i < active; i++) {
      if (status[i] !== UPPER && -G[i] >= gmax1) gmax1 = -G[i];
      if (status[i] !== LOWER && G[i] >= gmax2) gmax2 = G[i];
    }
    if (!unshrink && gmax1 + gmax2 <= eps * 10) {
      unshrink = true;
      reconstructGradient();
      active = l;
    }
    for (let i = 0; i < active; i++) {
      if (!beShrunk(i, gmax1, gmax2)) continue;
      active--;
      while (active > i) {
        if (!beShrunk(active, gmax1, gmax2)) {
          swap(i, active);
          break;
        }
        active--;
      }
    }
  };

  // Second-order working-set selection (Fan, Chen & Lin 2005); returns false at optimality.
  let wi = -1;
  let wj = -1;
  const selectWorkingSet = (): boolean => {
    let gmax = -Infinity;
    let gmaxIdx = -1;
    for (let t = 0; t < active; t++) {
      if (status[t] !== UPPER && -G[t] >= gmax) {
        gmax = -G[t];
        gmaxIdx = t;
      }
    }
    const i = gmaxIdx;
    const Qi = i !== -1 ? column(act[i]) : undefined;
    let gmax2 = -Infinity;
    let gminIdx = -1;
    let objDiffMin = Infinity;
    for (let j = 0; j < active; j++) {
      if (status[j] === LOWER) continue;
      const gradDiff = gmax + G[j];
      if (G[j] >= gmax2) gmax2 = G[j];
      if (gradDiff > 0) {
        const quad = QD[i] + QD[j] - 2.0 * Qi![act[j]];
        const objDiff = quad > 0 ? -(gradDiff * gradDiff) / quad : -(gradDiff * gradDiff) / TAU;
        if (objDiff <= objDiffMin) {
          gminIdx = j;
          objDiffMin = objDiff;
        }
      }
    }
    if (gmax + gmax2 < eps || gminIdx === -1) return false;
    wi = gmaxIdx;
    wj = gminIdx;
    return true;
  };

  const limit = maxIter > 0 ? maxIter : Math.max(10_000_000, 100 * l);
  let iter = 0;
  let counter = Math.min(l, 1000) + 1;
  let converged = false;
  while (iter < limit) {
    if (--counter === 0) {
      counter = Math.min(l, 1000);
      if (shrinking) doShrinking();
    }
    if (!selectWorkingSet()) {
      reconstructGradient();
      active = l;
      if (!selectWorkingSet()) {
        converged = true;
        break;
      }
      counter = 1;
    }
    iter++;
    const i = wi;
    const j = wj;
    const Qi = column(act[i]);
    const Qj = column(act[j]);
    const oldAi = alpha[i];
    const oldAj = alpha[j];
    let quad = QD[i] + QD[j] - 2 * Qi[act[j]];
    if (quad <= 0) quad = TAU;
    const delta = (G[i] - G[j]) / quad;
    const sum = alpha[i] + alpha[j];
    alpha[i] -= delta;
    alpha[j] += delta;
    if (sum > 1) {
      if (alpha[i] > 1) {
        alpha[i] = 1;
        alpha[j] = sum - 1;
      }
    } else if (alpha[j] < 0) {
      alpha[j] = 0;
      alpha[i] = sum;
    }
    if (sum > 1) {
      if (alpha[j] > 1) {
        alpha[j] = 1;
        alpha[i] = sum - 1;
      }
    } else if (alpha[i] < 0) {
      alpha[i] = 0;
      alpha[j] = sum;
    }
    const dai = alpha[i] - oldAi;
    const daj = alpha[j] - oldAj;
    for (let t = 0; t < active; t++) G[t] += Qi[act[t]] * dai + Qj[act[t]] * daj;
    const ui = status[i] === UPPER;
    const uj = status[j] === UPPER;
    updateStatus(i);
    updateStatus(j);
    if (ui !== (status[i] === UPPER)) {
      if (ui) for (let t = 0; t < l; t++) Gbar[t] -= Qi[act[t]];
      else for (let t = 0; t < l; t++) Gbar[t] += Qi[act[t]];
    }
    if (uj !== (status[j] === UPPER)) {
      if (uj) for (let t = 0; t < l; t++) Gbar[t] -= Qj[act[t]];
      else for (let t = 0; t < l; t++) Gbar[t] += Qj[act[t]];
    }
  }
  if (!converged && active < l) {
    reconstructGradient();
    active = l;
  }
  // rho: the mean gradient of the free alphas, else the middle of the bounds (LIBSVM calculate_rho).
  let nrFree = 0;
  let sumFree = 0;
  let ub = Infinity;
  let lb = -Infinity;
  for (let i = 0; i < active; i++) {
    const yG = G[i];
    if (status[i] === UPPER) lb = Math.max(lb, yG);
    else if (status[i] === LOWER) ub = Math.min(ub, yG);
    else {
      nrFree++;
      sumFree += yG;
    }
  }
  const rho = nrFree > 0 ? sumFree / nrFree : (ub + lb) / 2;
  const byRow = new Float64Array(l);
  for (let i = 0; i < l; i++) byRow[act[i]] = alpha[i];
  return { alpha: byRow, rho, iterations: iter, converged };
}

/**
 * Fits PyOD `OCSVM` (scikit-learn `OneClassSVM(kernel="rbf", gamma="auto", nu=0.5, tol=1e-3,
 * shrinking=True)`) with LIBSVM's algorithm step by step, so the support vectors, coefficients and rho
 * equal scikit-learn's up to floating-point rounding. `decision_scores_` are {@link ocsvmScores} of the
 * training rows, `threshold_` their `(1 - contamination)` percentile.
 *
 * Cost: the kernel columns the solver visits (up to n^2 float32 values; 25 MB for 2,500 rows).
 *
 * @throws Error on non-finite values, fewer than 2 rows or invalid parameters.
 */
export function fitOcsvm(X: FeatureMatrix, params: OcsvmParams = {}): PyodFit<OcsvmDetector> {
  checkTrain(X, "OCSVM", 2);
  const { rows: n, cols: p } = X;
  const kernel = params.kernel ?? "rbf";
  if (!(OCSVM_KERNELS as readonly string[]).includes(kernel))
    throw new Error(`OCSVM kernel must be one of ${OCSVM_KERNELS.join(", ")}, got ${JSON.stringify(kernel)}`);
  const nu = params.nu ?? 0.5;
  if (!(nu > 0 && nu <= 1)) throw new Error(`OCSVM nu must be in (0, 1], got ${nu}`);
  const tol = params.tol ?? 1e-3;
  if (!(tol > 0)) throw new Error(`OCSVM tol must be positive, got ${tol}`);
  const k = { kernel, gamma: resolveGamma(params.gamma, X), degree: params.degree ?? 3, coef0: params.coef0 ?? 0 };
  const sol = solveOneClass(X.data, n, p, k, nu, tol, params.shrinking ?? true, params.max_iter ?? -1);
  const sv: number[] = [];
  const coef: number[] = [];
  for (let i = 0; i < n; i++) {
    if (sol.alpha[i] > 0) {
      for (let j = 0; j < p; j++) sv.push(X.data[i * p + j]);
      coef.push(sol.alpha[i]);
    }
  }
  const detector: OcsvmDetector = {
    kind: "ocsvm",
    version: 1,
    ...k,
    cols: p,
    sv,
    coef,
    rho: sol.rho,
    iterations: sol.iterations,
    converged: sol.converged,
  };
  const trainScores = ocsvmScores(detector, X);
  return { detector, trainScores, threshold: pyodThreshold(trainScores, params.contamination ?? DEFAULT_CONTAMINATION) };
}

/**
 * PyOD `OCSVM.decision_function` = `-(sum_i coef_i K(sv_i, x) - rho)` (LIBSVM's prediction sum, in
 * support-vector order): higher outside the estimated support.
 * @throws Error when X has another column count or non-finite values.
 */
export function ocsvmScores(m: OcsvmDetector, X: FeatureMatrix): Float64Array {
  checkScore(X, "OCSVM", m.cols);
  const p = m.cols;
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let v = 0; v < m.coef.length; v++) s += m.coef[v] * kernelValue(m, X.data, i * p, m.sv, v * p, p);
    out[i] = -(s - m.rho);
  }
  return out;
}

/** Validates a deserialized OCSVM detector; returns a problem or undefined. */
export function ocsvmProblem(d: Record<string, unknown>, cols: number): string | undefined {
  if (d.cols !== cols) return `detector.cols must equal the ${cols} columns`;
  if (!(OCSVM_KERNELS as readonly unknown[]).includes(d.kernel)) return `detector.kernel must be one of ${OCSVM_KERNELS.join(", ")}`;
  for (const key of ["gamma", "degree", "coef0", "rho"] as const) {
    if (typeof d[key] !== "number" || !Number.isFinite(d[key])) return `detector.${key} must be a finite number`;
  }
  const coef = d.coef;
  const sv = d.sv;
  if (!Array.isArray(coef) || coef.length < 1 || !coef.every((c) => typeof c === "number" && c > 0 && c <= 1))
    return "detector.coef must hold numbers in (0, 1]";
  if (!Array.isArray(sv) || sv.length !== coef.length * cols || !sv.every((x) => typeof x === "number" && Number.isFinite(x))) {
    return `detector.sv must hold ${coef.length} rows of ${cols} finite numbers`;
  }
  return undefined;
}
