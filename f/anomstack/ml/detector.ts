// Model registry used by the train / score jobs: trains a named PyOD-equivalent
// detector, calibrates its scores, scores new rows and (de)serializes models.

import { calibrate, fitCalibration, type Calibration } from "./calibrate.ts";
import { buildKnn, KNN_METHODS, knnScores, knnTrainScoreRange, type KnnModel, type KnnParams } from "./knn.ts";
import type { FeatureMatrix } from "./matrix.ts";
import { fitPca, pcaScores, type PcaModel, type PcaParams } from "./pca.ts";

/** Detector names accepted in `model_configs[].model_name` (PyOD class names). */
export const MODEL_NAMES = ["PCA", "KNN"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** One entry of Anomstack's `model_configs`. */
export interface ModelConfig {
  model_name: string;
  model_tag: string;
  model_params?: Record<string, unknown>;
}

/** A trained, calibrated model; plain JSON data (survives JSON.stringify / JSON.parse). */
export interface TrainedModel {
  kind: "anomstack-model";
  version: 1;
  model_name: ModelName;
  model_tag: string;
  model_params: Record<string, unknown>;
  /** Feature columns the model was trained on (scored matrices must match). */
  columns: string[];
  n_train: number;
  /** Min-max of the training decision scores (PyOD `predict_proba` "linear"). */
  calibration: Calibration;
  detector: PcaModel | KnnModel;
}

type Check = (v: unknown) => boolean;
const isBool: Check = (v) => typeof v === "boolean";
const isPosInt: Check = (v) => typeof v === "number" && Number.isInteger(v) && v >= 1;
/** PyOD: `0 < contamination <= 0.5`; accepted and ignored (it only sets the binary threshold). */
const isContamination: Check = (v) => typeof v === "number" && v > 0 && v <= 0.5;

/** Accepted params per model with their validity checks and what they must be. */
const PARAM_SPECS: Record<ModelName, Record<string, [Check, string]>> = {
  PCA: {
    contamination: [isContamination, "a number in (0, 0.5]"],
    n_components: [(v) => v === null || isPosInt(v), "null or a positive integer"],
    weighted: [isBool, "a boolean"],
    standardization: [isBool, "a boolean"],
  },
  KNN: {
    contamination: [isContamination, "a number in (0, 0.5]"],
    n_neighbors: [isPosInt, "a positive integer"],
    method: [(v) => (KNN_METHODS as readonly unknown[]).includes(v), `one of ${KNN_METHODS.join(", ")}`],
    // Accepted and ignored: they only pick scikit-learn's search structure, results are exact anyway.
    algorithm: [(v) => ["auto", "ball_tree", "kd_tree", "brute"].includes(v as string), "auto, ball_tree, kd_tree or brute"],
    leaf_size: [isPosInt, "a positive integer"],
    n_jobs: [(v) => v === null || Number.isInteger(v), "null or an integer"],
    metric: [(v) => v === "minkowski" || v === "euclidean", "minkowski or euclidean (only Euclidean is supported)"],
    p: [(v) => v === 2, "2 (only Euclidean is supported)"],
  },
};

function checkName(name: unknown, where: string): ModelName {
  if (!(MODEL_NAMES as readonly unknown[]).includes(name)) {
    throw new Error(`${where}: unknown model_name ${JSON.stringify(name)}; valid names: ${MODEL_NAMES.join(", ")}`);
  }
  return name as ModelName;
}

function checkParams(name: ModelName, params: Record<string, unknown>, where: string): void {
  const spec = PARAM_SPECS[name];
  for (const [key, value] of Object.entries(params)) {
    const entry = spec[key];
    if (!entry) {
      throw new Error(`${where}: unknown model_params key ${JSON.stringify(key)} for ${name}; allowed: ${Object.keys(spec).join(", ")}`);
    }
    if (!entry[0](value)) {
      throw new Error(`${where}: model_params.${key} for ${name} must be ${entry[1]}, got ${JSON.stringify(value)}`);
    }
  }
}

/**
 * Trains the configured detector on `X` and calibrates it on its PyOD training
 * decision scores (`decision_scores_`: PCA scores of the training rows; KNN
 * scores excluding each row itself).
 * PCA params: `n_components`, `weighted`, `standardization`; KNN params:
 * `n_neighbors`, `method` (plus `algorithm`, `leaf_size`, `n_jobs`, `metric`
 * in {minkowski, euclidean}, `p` = 2, accepted and ignored because the search is
 * exact and Euclidean). `contamination` is accepted and ignored by both.
 *
 * @throws Error for an unknown `model_name` (listing the valid names), an unknown
 *   or invalid param (naming it), or the detector's own errors (too few rows...).
 * @example
 * const m = trainModel({ model_name: "KNN", model_tag: "knn", model_params: { n_neighbors: 1 } }, fromRows([[0], [1], [2], [4]]));
 * m.calibration; // { min: 1, max: 2 }  (training scores [1, 1, 1, 2])
 */
export function trainModel(config: ModelConfig, X: FeatureMatrix): TrainedModel {
  const name = checkName(config.model_name, "trainModel");
  if (typeof config.model_tag !== "string") throw new Error("trainModel: model_tag must be a string");
  if (config.model_params !== undefined && config.model_params !== null && !isObj(config.model_params)) {
    throw new Error(`trainModel(${config.model_tag}): model_params must be an object`);
  }
  const params = { ...(config.model_params ?? {}) };
  checkParams(name, params, `trainModel(${config.model_tag})`);
  let detector: PcaModel | KnnModel;
  let calibration: Calibration;
  if (name === "PCA") {
    detector = fitPca(X, params as PcaParams);
    calibration = fitCalibration(pcaScores(detector, X));
  } else {
    detector = buildKnn(X, params as KnnParams);
    // Calibration needs only the min and max training score; found without scoring every row.
    calibration = knnTrainScoreRange(detector);
  }
  return {
    kind: "anomstack-model",
    version: 1,
    model_name: name,
    model_tag: config.model_tag,
    model_params: params,
    columns: X.columns.slice(),
    n_train: X.rows,
    calibration,
    detector,
  };
}

/**
 * Raw PyOD `decision_function` scores of `X` (higher = more anomalous).
 *
 * @throws Error when `X`'s columns differ from the training columns.
 * @example
 * // m from the trainModel example
 * Array.from(decisionScores(m, fromRows([[3], [10]]))); // [1, 6]
 */
export function decisionScores(m: TrainedModel, X: FeatureMatrix): Float64Array {
  if (X.cols !== m.columns.length || X.columns.some((c, j) => c !== m.columns[j])) {
    throw new Error(
      `model ${m.model_tag}: columns [${X.columns.join(", ")}] do not match training columns [${m.columns.join(", ")}]`,
    );
  }
  return m.detector.kind === "pca" ? pcaScores(m.detector, X) : knnScores(m.detector, X);
}

/**
 * PyOD `predict_proba(X, method="linear")[:, 1]`: decision scores min-max scaled
 * with the training calibration and clipped to [0, 1].
 *
 * @throws Error as {@link decisionScores}.
 * @example
 * // m from the trainModel example: (1 - 1) / (2 - 1) = 0 and (6 - 1) / 1 = 5 clipped to 1
 * Array.from(predictProba(m, fromRows([[3], [10]]))); // [0, 1]
 */
export function predictProba(m: TrainedModel, X: FeatureMatrix): Float64Array {
  return calibrate(m.calibration, decisionScores(m, X));
}

function fail(where: string, msg: string): never {
  throw new Error(`${where}: invalid trained model: ${msg}`);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function finiteArray(v: unknown, len: number | null, where: string, what: string): number[] {
  if (!Array.isArray(v) || (len !== null && v.length !== len)) {
    fail(where, `${what} must be an array${len === null ? "" : ` of ${len} numbers`}`);
  }
  if (!v.every((x) => typeof x === "number" && Number.isFinite(x))) fail(where, `${what} must hold finite numbers`);
  return v as number[];
}

/**
 * Validates a deserialized model (the value, or its JSON text) and returns it
 * typed: `kind`, `version`, `model_name`, params, columns, calibration and the
 * detector's shapes (PCA: mean/scale/components of the column count, positive
 * weights per component; KNN: k, method, `train` a whole number of rows >= k+1).
 *
 * @throws Error mentioning `where` and the first problem found.
 * @example
 * parseTrainedModel(JSON.parse(JSON.stringify(m)), "models/knn.json"); // deep-equal to m
 * parseTrainedModel({ kind: "x" }, "models/bad.json"); // throws "models/bad.json: invalid trained model: kind must be ..."
 */
export function parseTrainedModel(json: unknown, where: string): TrainedModel {
  let v = json;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch (e) {
      fail(where, `not JSON (${(e as Error).message})`);
    }
  }
  if (!isObj(v)) fail(where, "not an object");
  if (v.kind !== "anomstack-model") fail(where, `kind must be "anomstack-model", got ${JSON.stringify(v.kind)}`);
  if (v.version !== 1) fail(where, `unsupported version ${JSON.stringify(v.version)} (expected 1)`);
  const name = checkName(v.model_name, where);
  if (typeof v.model_tag !== "string") fail(where, "model_tag must be a string");
  if (!isObj(v.model_params)) fail(where, "model_params must be an object");
  checkParams(name, v.model_params, where);
  const columns = v.columns;
  if (!Array.isArray(columns) || columns.length < 1 || !columns.every((c) => typeof c === "string")) {
    fail(where, "columns must be a non-empty array of strings");
  }
  const p = columns.length;
  if (!isPosInt(v.n_train)) fail(where, "n_train must be a positive integer");
  if (!isObj(v.calibration)) fail(where, "calibration must be an object");
  const [cmin, cmax] = finiteArray([v.calibration.min, v.calibration.max], 2, where, "calibration min/max");
  if (cmax < cmin) fail(where, "calibration max < min");
  const d = v.detector;
  if (!isObj(d) || d.version !== 1) fail(where, "detector must be an object with version 1");
  if (name === "PCA") {
    if (d.kind !== "pca") fail(where, `PCA detector kind must be "pca", got ${JSON.stringify(d.kind)}`);
    finiteArray(d.mean, p, where, "detector.mean");
    const scale = finiteArray(d.scale, p, where, "detector.scale");
    if (scale.some((s) => s <= 0)) fail(where, "detector.scale must be positive");
    if (!Array.isArray(d.components)) fail(where, "detector.components must be an array");
    d.components.forEach((c, i) => finiteArray(c, p, where, `detector.components[${i}]`));
    const w = finiteArray(d.weights, d.components.length, where, "detector.weights");
    if (w.some((x) => x <= 0)) fail(where, "detector.weights must be positive");
  } else {
    if (d.kind !== "knn") fail(where, `KNN detector kind must be "knn", got ${JSON.stringify(d.kind)}`);
    if (!isPosInt(d.k)) fail(where, "detector.k must be a positive integer");
    if (!(KNN_METHODS as readonly unknown[]).includes(d.method)) fail(where, `detector.method must be one of ${KNN_METHODS.join(", ")}`);
    if (d.cols !== p) fail(where, `detector.cols must equal the ${p} columns`);
    const train = finiteArray(d.train, null, where, "detector.train");
    if (train.length % p !== 0 || train.length / p < (d.k as number) + 1) {
      fail(where, `detector.train must hold a whole number (>= k+1) of ${p}-column rows`);
    }
  }
  return v as unknown as TrainedModel;
}
