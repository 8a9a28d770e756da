// PyOD's MAD detector as a model_configs member: the modified z-score 0.6745 * |x - median| / MAD of a
// univariate feature against its training window; `threshold` (3.5) is PyOD's threshold_.
//nobundling

import { fitMad, madScore } from "./mad.ts";
import { checkScore, checkTrain, type PyodFit } from "./pyod-base.ts";
import type { FeatureMatrix } from "./matrix.ts";

/** A fitted MAD model (JSON-safe). */
export interface MadDetector {
  kind: "mad";
  version: 1;
  median: number;
  /** Median absolute deviation of the training values from their median (0 is kept, as PyOD does). */
  mad: number;
}

/** PyOD `MAD` parameters. */
export interface MadParams {
  /** Modified z-score above which PyOD labels a point an outlier (default 3.5); it is `threshold_`. */
  threshold?: number;
}

/** PyOD's default MAD threshold. */
export const MAD_DEFAULT_THRESHOLD = 3.5;

/**
 * The score of a departure from the median when the MAD is 0. PyOD gives numpy's `nan_to_num(inf)` =
 * 1.8e308; a score that large overflows the likelihood calibration's means and squares (NaN
 * probabilities), so it is capped here: any score above this counts as this. Min-max and range
 * calibrations are unchanged by the cap (it is still far above every finite score).
 */
export const MAD_MAX_SCORE = 1e100;

function column(X: FeatureMatrix): number[] {
  if (X.cols !== 1) {
    throw new Error(
      `MAD is for univariate data (PyOD: "MAD algorithm is just for univariate data"): the features have ${X.cols} columns; set the model's preprocess_params.lags_n to 0`,
    );
  }
  return Array.from(X.data);
}

/**
 * Fits PyOD `MAD(threshold)`: median and MAD of the single feature column; `decision_scores_` are the
 * training rows' modified z-scores ({@link madScore}: 0 for the median and, when MAD is 0,
 * {@link MAD_MAX_SCORE} for any other value, where PyOD gives 1.8e308); `threshold_` is `threshold` itself, not a
 * percentile (PyOD's MAD overrides `_process_decision_scores`).
 *
 * @throws Error unless X has exactly 1 column and at least 1 row of finite values.
 * @example
 * fitMadModel(fromRows([[1], [2], [3], [4], [100]])).detector; // { kind: "mad", version: 1, median: 3, mad: 1 }
 */
export function fitMadModel(X: FeatureMatrix, params: MadParams = {}): PyodFit<MadDetector> {
  checkTrain(X, "MAD", 1);
  const values = column(X);
  const { median, mad } = fitMad(values);
  const detector: MadDetector = { kind: "mad", version: 1, median, mad };
  return { detector, trainScores: madModelScores(detector, X), threshold: params.threshold ?? MAD_DEFAULT_THRESHOLD };
}

/**
 * PyOD `MAD.decision_function`: the modified z-score of each row's value against the training median and
 * MAD, at most {@link MAD_MAX_SCORE}.
 * @example Array.from(madModelScores({ kind: "mad", version: 1, median: 3, mad: 1 }, fromRows([[5]]))); // [1.349]
 */
export function madModelScores(m: MadDetector, X: FeatureMatrix): Float64Array {
  checkScore(X, "MAD", 1);
  const values = column(X);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.min(madScore(m, values[i]), MAD_MAX_SCORE);
  return out;
}
