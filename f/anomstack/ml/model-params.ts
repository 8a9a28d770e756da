// The model names of `model_configs[].model_name` and the parameters each accepts (PyOD's names and
// defaults), with their checks: read by the config loader (so a typo fails when the config loads) and
// by the model registry (detector.ts).
//nobundling

import { closest } from "fastest-levenshtein";
import { KNN_METHODS } from "./knn.ts";
import { OCSVM_KERNELS } from "./ocsvm.ts";
import { SEASONAL_PROFILES } from "./range.ts";

/** Detector names accepted in `model_configs[].model_name`: PyOD class names, then Anomstack's own. */
export const MODEL_NAMES = ["PCA", "KNN", "IForest", "LOF", "OCSVM", "ECOD", "COPOD", "HBOS", "MCD", "MAD", "RANGE", "ZSCORE"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** One accepted parameter: its check, what it must be, PyOD's default, and whether it changes nothing here. */
export interface ParamSpec {
  check: (v: unknown) => boolean;
  expected: string;
  default?: unknown;
  /** Accepted for compatibility with PyOD, without effect (parallelism, search structure, logging...). */
  ignored?: boolean;
}

const isBool = (v: unknown) => typeof v === "boolean";
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isPosInt = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 1;
const isSeed = (v: unknown) => v === null || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0);
const oneOf = (values: readonly unknown[]) => (v: unknown) => values.includes(v);

/** PyOD: `0 < contamination <= 0.5`; it sets `threshold_` (and IForest's offset), not the probabilities. */
const contamination: ParamSpec = { check: (v) => isNum(v) && v > 0 && v <= 0.5, expected: "a number in (0, 0.5]", default: 0.1 };
const nJobs: ParamSpec = { check: (v) => v === null || Number.isInteger(v), expected: "null or an integer", default: 1, ignored: true };
const randomState: ParamSpec = { check: isSeed, expected: "null or a non-negative integer", default: null };

/** Accepted params per model. */
export const MODEL_PARAMS: Record<ModelName, Record<string, ParamSpec>> = {
  PCA: {
    contamination,
    n_components: { check: (v) => v === null || isPosInt(v), expected: "null or a positive integer", default: null },
    weighted: { check: isBool, expected: "a boolean", default: true },
    standardization: { check: isBool, expected: "a boolean", default: true },
  },
  KNN: {
    contamination,
    n_neighbors: { check: isPosInt, expected: "a positive integer", default: 5 },
    method: { check: oneOf(KNN_METHODS), expected: `one of ${KNN_METHODS.join(", ")}`, default: "largest" },
    // They only pick scikit-learn's search structure; the search here is exact anyway.
    algorithm: {
      check: oneOf(["auto", "ball_tree", "kd_tree", "brute"]),
      expected: "auto, ball_tree, kd_tree or brute",
      default: "auto",
      ignored: true,
    },
    leaf_size: { check: isPosInt, expected: "a positive integer", default: 30, ignored: true },
    n_jobs: nJobs,
    metric: { check: oneOf(["minkowski", "euclidean"]), expected: "minkowski or euclidean (only Euclidean is supported)", default: "minkowski" },
    p: { check: (v) => v === 2, expected: "2 (only Euclidean is supported)", default: 2 },
  },
  IForest: {
    n_estimators: { check: isPosInt, expected: "a positive integer", default: 100 },
    max_samples: {
      check: (v) => v === "auto" || (isNum(v) && ((Number.isInteger(v) && v >= 1) || (v > 0 && v <= 1))),
      expected: '"auto", an integer >= 1 or a number in (0, 1]',
      default: "auto",
    },
    contamination,
    max_features: {
      check: (v) => isNum(v) && ((Number.isInteger(v) && v >= 1) || (v > 0 && v <= 1)),
      expected: "an integer >= 1 or a number in (0, 1]",
      default: 1.0,
    },
    bootstrap: { check: isBool, expected: "a boolean", default: false },
    n_jobs: nJobs,
    behaviour: { check: oneOf(["old", "new"]), expected: "old or new", default: "old", ignored: true },
    random_state: randomState,
    verbose: { check: (v) => Number.isInteger(v) && (v as number) >= 0, expected: "a non-negative integer", default: 0, ignored: true },
  },
  LOF: {
    n_neighbors: { check: isPosInt, expected: "a positive integer", default: 20 },
    algorithm: {
      check: oneOf(["auto", "ball_tree", "kd_tree", "brute"]),
      expected: "auto, ball_tree, kd_tree or brute",
      default: "auto",
      ignored: true,
    },
    leaf_size: { check: isPosInt, expected: "a positive integer", default: 30, ignored: true },
    metric: { check: oneOf(["minkowski", "euclidean"]), expected: "minkowski or euclidean (only Euclidean is supported)", default: "minkowski" },
    p: { check: (v) => v === 2, expected: "2 (only Euclidean is supported)", default: 2 },
    metric_params: { check: (v) => v === null, expected: "null", default: null },
    contamination,
    n_jobs: nJobs,
    novelty: { check: (v) => v === true, expected: "true (PyOD scores new points with novelty=True)", default: true },
  },
  OCSVM: {
    kernel: { check: oneOf(OCSVM_KERNELS), expected: `one of ${OCSVM_KERNELS.join(", ")}`, default: "rbf" },
    degree: { check: (v) => Number.isInteger(v) && (v as number) >= 0, expected: "a non-negative integer", default: 3 },
    gamma: { check: (v) => v === "auto" || v === "scale" || (isNum(v) && v > 0), expected: '"auto", "scale" or a positive number', default: "auto" },
    coef0: { check: isNum, expected: "a number", default: 0.0 },
    tol: { check: (v) => isNum(v) && v > 0, expected: "a positive number", default: 1e-3 },
    nu: { check: (v) => isNum(v) && v > 0 && v <= 1, expected: "a number in (0, 1]", default: 0.5 },
    shrinking: { check: isBool, expected: "a boolean", default: true },
    cache_size: { check: (v) => isNum(v) && v > 0, expected: "a positive number (MB)", default: 200, ignored: true },
    verbose: { check: isBool, expected: "a boolean", default: false, ignored: true },
    max_iter: { check: (v) => v === -1 || isPosInt(v), expected: "-1 (no limit) or a positive integer", default: -1 },
    contamination,
  },
  ECOD: { contamination, n_jobs: nJobs },
  COPOD: { contamination, n_jobs: nJobs },
  HBOS: {
    n_bins: { check: (v) => v === "auto" || isPosInt(v), expected: '"auto" or a positive integer', default: 10 },
    alpha: { check: (v) => isNum(v) && v > 0 && v < 1, expected: "a number in (0, 1)", default: 0.1 },
    tol: { check: (v) => isNum(v) && v > 0 && v < 1, expected: "a number in (0, 1)", default: 0.5 },
    contamination,
  },
  MCD: {
    contamination,
    store_precision: { check: isBool, expected: "a boolean", default: true, ignored: true },
    assume_centered: { check: isBool, expected: "a boolean", default: false },
    support_fraction: { check: (v) => v === null || (isNum(v) && v > 0 && v <= 1), expected: "null or a number in (0, 1]", default: null },
    random_state: randomState,
  },
  MAD: {
    threshold: { check: isNum, expected: "a number", default: 3.5 },
    // Older PyOD releases accepted it; MAD's threshold_ is `threshold`.
    contamination: { ...contamination, ignored: true },
  },
  RANGE: {
    seasonal: { check: oneOf(SEASONAL_PROFILES), expected: `one of ${SEASONAL_PROFILES.join(", ")}`, default: "none" },
    trim: { check: (v) => isNum(v) && v >= 0 && v < 0.5, expected: "a number in [0, 0.5)", default: 0 },
    widen: { check: (v) => isNum(v) && v >= 1, expected: "a number >= 1", default: 1 },
    local_n: { check: (v) => v === 0 || isPosInt(v), expected: "a non-negative integer", default: 0 },
    floor: { check: (v) => isNum(v) && v >= 0, expected: "a number >= 0", default: 0 },
    noise_floor: { check: (v) => isNum(v) && v >= 0, expected: "a number >= 0", default: 0 },
    pad: { check: (v) => isNum(v) && v >= 0, expected: "a number >= 0", default: 0 },
    trim_excursions: { check: (v) => v === 0 || isPosInt(v), expected: "a non-negative integer", default: 0 },
    trim_excursions_max: { check: isPosInt, expected: "a positive integer", default: 6 },
  },
  ZSCORE: {},
};

/** True when `name` is one of {@link MODEL_NAMES}. */
export function isModelName(name: unknown): name is ModelName {
  return (MODEL_NAMES as readonly unknown[]).includes(name);
}

/** The valid name closest to `name`, compared case-insensitively (so "iforest" suggests "IForest"). */
export function closestModelName(name: string): ModelName {
  const lower = MODEL_NAMES.map((m) => m.toLowerCase());
  return MODEL_NAMES[lower.indexOf(closest(name.toLowerCase(), lower))];
}

/** `unknown model_name "X" (did you mean "Y"?); valid names: ...` */
export function unknownModelNameMessage(name: unknown): string {
  const hint = typeof name === "string" && name !== "" ? ` (did you mean "${closestModelName(name)}"?)` : "";
  return `unknown model_name ${JSON.stringify(name)}${hint}; valid names: ${MODEL_NAMES.join(", ")}`;
}

/** One problem with a model's params: the key and what is wrong with it. */
export interface ParamProblem {
  key: string;
  message: string;
}

/**
 * Every unknown key (with the closest accepted one) and every invalid value of `params` for `name`.
 * @example
 * modelParamProblems("IForest", { n_estimator: 50 });
 * // [{ key: "n_estimator", message: 'unknown model_params key "n_estimator" for IForest (did you mean "n_estimators"?); allowed: ...' }]
 */
export function modelParamProblems(name: ModelName, params: Record<string, unknown>): ParamProblem[] {
  const spec = MODEL_PARAMS[name];
  const allowed = Object.keys(spec);
  const out: ParamProblem[] = [];
  for (const [key, value] of Object.entries(params)) {
    const entry = spec[key];
    if (!entry) {
      const hint =
        allowed.length > 0 ? ` (did you mean "${closest(key, allowed)}"?); allowed: ${allowed.join(", ")}` : `; ${name} takes no model_params`;
      out.push({ key, message: `unknown model_params key ${JSON.stringify(key)} for ${name}${hint}` });
    } else if (!entry.check(value)) {
      out.push({ key, message: `model_params.${key} for ${name} must be ${entry.expected}, got ${JSON.stringify(value)}` });
    }
  }
  // A RANGE member is either an envelope (trim / widen) or a min-max range held to a floor and padded.
  const envelope = (Number(params.trim) || 0) > 0 || (params.widen !== undefined && params.widen !== 1);
  if (name === "RANGE" && envelope) {
    for (const key of ["floor", "noise_floor", "pad", "trim_excursions"].filter((k) => (Number(params[k]) || 0) > 0)) {
      out.push({
        key,
        message: `model_params.${key} for RANGE applies to the min-max range and cannot be combined with trim or widen (an envelope)`,
      });
    }
  }
  if (name === "RANGE" && (Number(params.trim_excursions) || 0) > 0 && !((Number(params.floor) || 0) > 0 || (Number(params.noise_floor) || 0) > 0)) {
    out.push({
      key: "trim_excursions",
      message: "model_params.trim_excursions for RANGE needs a floor (noise_floor or floor): excursions are counted beyond it",
    });
  }
  return out;
}
