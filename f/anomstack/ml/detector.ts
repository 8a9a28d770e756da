// Model registry used by the train / score jobs: trains a named detector (PyOD-equivalent PCA, KNN,
// IForest, LOF, OCSVM, ECOD, COPOD, HBOS, MCD and MAD, plus the RANGE and ZSCORE members), calibrates its
// scores, scores new rows and (de)serializes models.
//nobundling

import { calibrate, fitCalibration, type Calibration } from "./calibrate.ts";
import { rangeProba } from "./exceedance.ts";
import { buildKnn, fitKnn, KNN_METHODS, knnScores, knnTrainScoreRange, type KnnModel, type KnnParams } from "./knn.ts";
import { isModelName, modelParamProblems, unknownModelNameMessage, type ModelName } from "./model-params.ts";
import { isPyodModelName, PYOD_MODELS, type PyodDetector } from "./pyod-models.ts";
import { fitLikelihood, likelihoodProba, LIKELIHOOD_WINDOW, type LikelihoodFit } from "./likelihood.ts";
import type { FeatureMatrix } from "./matrix.ts";
import type { PreprocessParams } from "./preprocess.ts";
import { fitPca, pcaScores, type PcaModel, type PcaParams } from "./pca.ts";
import { fitRange, rangeScores, SEASONAL_PROFILES, type RangeModel, type RangeParams } from "./range.ts";
import { fitZscore, zscoreScores, type ZscoreModel } from "./zscore.ts";

export { MODEL_NAMES, type ModelName } from "./model-params.ts";

/**
 * How raw detector scores become probabilities (`score_calibration`):
 * - `minmax`: PyOD's linear `predict_proba`, min-max of the training scores clipped to [0, 1] (the original);
 * - `range`: how far a score leaves the range of the scores seen so far (exceedance.ts);
 * - `likelihood`: Numenta-style anomaly likelihood of the recent mean score (likelihood.ts).
 */
export const CALIBRATION_METHODS = ["minmax", "range", "likelihood"] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

/** One entry of Anomstack's `model_configs`. */
export interface ModelConfig {
  model_name: string;
  model_tag: string;
  model_params?: Record<string, unknown>;
}

/** Options of {@link trainModel}. */
export interface TrainOptions {
  /** Calibration of the raw scores (default "minmax"). */
  calibration?: CalibrationMethod;
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
  /** Min-max of the training decision scores (PyOD `predict_proba` "linear"; also the "range" calibration's range). */
  calibration: Calibration;
  /** How {@link predictProba} turns raw scores into probabilities; absent = "minmax" (models saved before it existed). */
  calibration_method?: CalibrationMethod;
  /** The "likelihood" calibration's distribution of recent-mean training scores. */
  likelihood?: LikelihoodFit;
  /** Timestamp (epoch ms) of the newest training row: later rows widen the "range" calibration's range. */
  trained_until?: number;
  /** The preprocess params of the features (set by the train job; scoring with others is refused). */
  features?: PreprocessParams;
  /** PyOD's `threshold_` on the raw scores (set by the models of pyod-models.ts): rows above it are PyOD's outliers. */
  threshold?: number;
  detector: PcaModel | KnnModel | RangeModel | ZscoreModel | PyodDetector;
}

const isPosInt = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 1;

function checkName(name: unknown, where: string): ModelName {
  if (!isModelName(name)) throw new Error(`${where}: ${unknownModelNameMessage(name)}`);
  return name;
}

function checkParams(name: ModelName, params: Record<string, unknown>, where: string): void {
  const problem = modelParamProblems(name, params)[0];
  if (problem) throw new Error(`${where}: ${problem.message}`);
}

/**
 * Trains the configured detector on `X` (rows oldest first) and calibrates it on its training
 * decision scores (PyOD's `decision_scores_`: PCA scores of the training rows; KNN scores excluding
 * each row itself; RANGE / ZSCORE scores of the training rows; the models of pyod-models.ts (IForest,
 * LOF, OCSVM, ECOD, COPOD, HBOS, MCD, MAD) their own `decision_scores_`, and PyOD's `threshold_` is
 * kept as `threshold`). Params of every model: model-params.ts.
 * PCA params: `n_components`, `weighted`, `standardization`; KNN params:
 * `n_neighbors`, `method` (plus `algorithm`, `leaf_size`, `n_jobs`, `metric`
 * in {minkowski, euclidean}, `p` = 2, accepted and ignored because the search is
 * exact and Euclidean). `contamination` is accepted and ignored by both.
 * RANGE params: `seasonal` (none, hour_of_day, hour_of_week); ZSCORE has none.
 * `opts.calibration` "minmax" and "range" keep the min and max training score, "likelihood" the
 * distribution of their recent means ({@link fitLikelihood}).
 *
 * @throws Error for an unknown `model_name` (listing the valid names), an unknown
 *   or invalid param (naming it), or the detector's own errors (too few rows...).
 * @example
 * const m = trainModel({ model_name: "KNN", model_tag: "knn", model_params: { n_neighbors: 1 } }, fromRows([[0], [1], [2], [4]]));
 * m.calibration; // { min: 1, max: 2 }  (training scores [1, 1, 1, 2])
 */
export function trainModel(config: ModelConfig, X: FeatureMatrix, opts: TrainOptions = {}): TrainedModel {
  const name = checkName(config.model_name, "trainModel");
  if (typeof config.model_tag !== "string") throw new Error("trainModel: model_tag must be a string");
  if (config.model_params !== undefined && config.model_params !== null && !isObj(config.model_params)) {
    throw new Error(`trainModel(${config.model_tag}): model_params must be an object`);
  }
  const params = { ...(config.model_params ?? {}) };
  checkParams(name, params, `trainModel(${config.model_tag})`);
  const method = opts.calibration ?? "minmax";
  if (!(CALIBRATION_METHODS as readonly string[]).includes(method)) {
    throw new Error(`trainModel(${config.model_tag}): calibration must be one of ${CALIBRATION_METHODS.join(", ")}, got ${JSON.stringify(method)}`);
  }
  let detector: TrainedModel["detector"];
  let trainScores: Float64Array | undefined;
  let threshold: number | undefined;
  if (isPyodModelName(name)) {
    const fit = PYOD_MODELS[name].fit(X, params);
    detector = fit.detector;
    trainScores = fit.trainScores;
    threshold = fit.threshold;
  } else if (name === "PCA") {
    detector = fitPca(X, params as PcaParams);
    trainScores = pcaScores(detector, X);
  } else if (name === "KNN") {
    if (method === "likelihood") {
      const fit = fitKnn(X, params as KnnParams);
      detector = fit.model;
      trainScores = fit.trainScores;
    } else detector = buildKnn(X, params as KnnParams);
  } else if (name === "RANGE") {
    detector = fitRange(X, params as RangeParams);
    // An envelope maps to raw scores [0.5, 1]: its calibration range is [0, 1] whatever the rows score.
    // Bounds (a floor, a padding) are the range itself: the raw scores run from 0 to its half-width.
    if (detector.envelope) trainScores = Float64Array.of(0, 1);
    else if (detector.bounds) trainScores = Float64Array.of(0, (detector.bounds.hi - detector.bounds.lo) / 2);
    else trainScores = rangeScores(detector, X);
  } else {
    detector = fitZscore(X);
    trainScores = zscoreScores(detector, X);
  }
  // KNN without all training scores: the min and max are found without scoring every row.
  const calibration: Calibration = trainScores ? fitCalibration(trainScores) : knnTrainScoreRange(detector as KnnModel);
  const model: TrainedModel = {
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
  if (threshold !== undefined) model.threshold = threshold;
  if (method !== "minmax") model.calibration_method = method;
  if (method === "likelihood") model.likelihood = fitLikelihood(trainScores!, LIKELIHOOD_WINDOW);
  if (X.timestamps.length === X.rows && X.rows > 0) model.trained_until = X.timestamps[X.rows - 1];
  return model;
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
    throw new Error(`model ${m.model_tag}: columns [${X.columns.join(", ")}] do not match training columns [${m.columns.join(", ")}]`);
  }
  const d = m.detector;
  if (isPyodModelName(m.model_name)) return PYOD_MODELS[m.model_name].score(d as PyodDetector, X);
  switch (d.kind) {
    case "pca":
      return pcaScores(d, X);
    case "knn":
      return knnScores(d, X);
    case "range":
      return rangeScores(d, X);
    default:
      return zscoreScores(d as ZscoreModel, X);
  }
}

/**
 * Anomaly probabilities (0..1) of the rows of `X`, which are consecutive points, oldest first, by the
 * model's calibration:
 * - "minmax" (default): PyOD `predict_proba(X, method="linear")[:, 1]`, decision scores min-max scaled
 *   with the training calibration and clipped to [0, 1]; each row on its own;
 * - "range": {@link rangeProba}, the training range widened by the earlier rows of `X` newer than the
 *   training window (`trained_until`);
 * - "likelihood": {@link likelihoodProba}, each row's recent mean taken over it and the rows before it in `X`.
 * So rows before the ones of interest may be passed as history: they change "range" and
 * "likelihood" probabilities exactly as they would have when those rows were scored one by one.
 *
 * @throws Error as {@link decisionScores}.
 * @example
 * // m from the trainModel example: (1 - 1) / (2 - 1) = 0 and (6 - 1) / 1 = 5 clipped to 1
 * Array.from(predictProba(m, fromRows([[3], [10]]))); // [0, 1]
 */
export function predictProba(m: TrainedModel, X: FeatureMatrix): Float64Array {
  const raw = decisionScores(m, X);
  const method = m.calibration_method ?? "minmax";
  if (method === "minmax") return calibrate(m.calibration, raw);
  if (method === "likelihood") {
    if (!m.likelihood) throw new Error(`model ${m.model_tag}: likelihood calibration without its fit; retrain`);
    return likelihoodProba(m.likelihood, raw);
  }
  const until = m.trained_until ?? Number.POSITIVE_INFINITY;
  // A RANGE envelope is what normal looks like; points scored since training (anomalies among them) do not widen it.
  const widens = X.timestamps.length === X.rows && !(m.detector.kind === "range" && (m.detector as RangeModel).envelope);
  const extend = widens ? X.timestamps.map((t) => t > until) : new Array<boolean>(X.rows).fill(false);
  return rangeProba(m.calibration, raw, extend, m.detector.kind === "range" ? ((m.detector as RangeModel).pad ?? 0) : 0);
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
  const method = v.calibration_method ?? "minmax";
  if (!(CALIBRATION_METHODS as readonly unknown[]).includes(method))
    fail(where, `calibration_method must be one of ${CALIBRATION_METHODS.join(", ")}`);
  if (method === "likelihood") {
    const l = v.likelihood;
    if (!isObj(l)) fail(where, "likelihood calibration needs its fit (likelihood)");
    const [, std] = finiteArray([l.mean, l.std], 2, where, "likelihood mean/std");
    if (!(std > 0)) fail(where, "likelihood std must be positive");
    if (!isPosInt(l.window)) fail(where, "likelihood window must be a positive integer");
  }
  if (v.features !== undefined && !isObj(v.features)) fail(where, "features must be an object (preprocess params)");
  if (v.trained_until !== undefined && !(typeof v.trained_until === "number" && Number.isFinite(v.trained_until))) {
    fail(where, "trained_until must be a finite number (epoch ms)");
  }
  if (v.threshold !== undefined && !(typeof v.threshold === "number" && Number.isFinite(v.threshold)))
    fail(where, "threshold must be a finite number");
  const d = v.detector;
  if (!isObj(d) || d.version !== 1) fail(where, "detector must be an object with version 1");
  if (isPyodModelName(name)) {
    const spec = PYOD_MODELS[name];
    if (d.kind !== spec.kind) fail(where, `${name} detector kind must be "${spec.kind}", got ${JSON.stringify(d.kind)}`);
    const problem = spec.problem(d, p);
    if (problem) fail(where, problem);
  } else if (name === "PCA") {
    if (d.kind !== "pca") fail(where, `PCA detector kind must be "pca", got ${JSON.stringify(d.kind)}`);
    finiteArray(d.mean, p, where, "detector.mean");
    const scale = finiteArray(d.scale, p, where, "detector.scale");
    if (scale.some((s) => s <= 0)) fail(where, "detector.scale must be positive");
    if (!Array.isArray(d.components)) fail(where, "detector.components must be an array");
    d.components.forEach((c, i) => {
      finiteArray(c, p, where, `detector.components[${i}]`);
    });
    const w = finiteArray(d.weights, d.components.length, where, "detector.weights");
    if (w.some((x) => x <= 0)) fail(where, "detector.weights must be positive");
  } else if (name === "RANGE") {
    if (d.kind !== "range") fail(where, `RANGE detector kind must be "range", got ${JSON.stringify(d.kind)}`);
    if (!(SEASONAL_PROFILES as readonly unknown[]).includes(d.seasonal))
      fail(where, `detector.seasonal must be one of ${SEASONAL_PROFILES.join(", ")}`);
    const size = d.seasonal === "hour_of_day" ? 24 : d.seasonal === "hour_of_week" ? 168 : 0;
    if (
      !Array.isArray(d.profile) ||
      d.profile.length !== size ||
      !d.profile.every((x) => x === null || (typeof x === "number" && Number.isFinite(x)))
    ) {
      fail(where, `detector.profile must hold ${size} numbers or nulls`);
    }
    finiteArray([d.level, d.center], 2, where, "detector level/center");
    if (d.local_n !== undefined && !isPosInt(d.local_n)) fail(where, "detector.local_n must be a positive integer");
    if (d.envelope !== undefined) {
      if (!isObj(d.envelope)) fail(where, "detector.envelope must be an object");
      const [lo, hi] = finiteArray([d.envelope.lo, d.envelope.hi], 2, where, "detector.envelope lo/hi");
      if (lo < 0 || hi < 0) fail(where, "detector.envelope lo/hi must be non-negative");
    }
    if (d.bounds !== undefined) {
      if (!isObj(d.bounds)) fail(where, "detector.bounds must be an object");
      const [lo, hi] = finiteArray([d.bounds.lo, d.bounds.hi], 2, where, "detector.bounds lo/hi");
      if (hi < lo) fail(where, "detector.bounds hi must not be below lo");
    }
    if (d.pad !== undefined) {
      const [pad] = finiteArray([d.pad], 1, where, "detector.pad");
      if (pad < 0) fail(where, "detector.pad must be non-negative");
    }
  } else if (name === "ZSCORE") {
    if (d.kind !== "zscore") fail(where, `ZSCORE detector kind must be "zscore", got ${JSON.stringify(d.kind)}`);
    const [, scale] = finiteArray([d.median, d.scale], 2, where, "detector median/scale");
    if (!(scale > 0)) fail(where, "detector.scale must be positive");
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
