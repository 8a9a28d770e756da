// PyOD's ECOD detector (Li et al., TKDE 2022, "Empirical-Cumulative-distribution-based Outlier
// Detection"): per feature, the larger of the left and right tail -ln ECDF, summed over the features.
//nobundling

import { ecdfColumns, ecdfColumnsProblem, visitTails, type EcdfColumns } from "./ecdf.ts";
import { checkScore, checkTrain, pyodThreshold, DEFAULT_CONTAMINATION, type PyodFit } from "./pyod-base.ts";
import type { FeatureMatrix } from "./matrix.ts";

/** A fitted ECOD model (JSON-safe): the training columns, sorted, and their moments. */
export interface EcodDetector extends EcdfColumns {
  kind: "ecod";
  version: 1;
}

/** PyOD `ECOD` parameters (`n_jobs` is accepted and ignored). */
export interface EcodParams {
  contamination?: number;
}

/**
 * The ECOD outlier score of one feature value, as PyOD computes it: `max(U_l, U_r, U_skew)` with
 * `U_skew = U_l` for a negatively skewed feature, `U_r` for a positive skew, and `U_l + U_r` for a
 * skewness of exactly 0 (numpy's `sign` arithmetic in PyOD; PyOD gives NaN for a constant feature,
 * counted here as skewness 0).
 *
 * The paper takes the maximum of the three sums over the features (`max(O_left, O_right, O_auto)`);
 * PyOD, which users of the original get, takes it per feature and sums; this follows PyOD.
 */
export function ecodTerm(ul: number, ur: number, skew: number): number {
  const uskew = skew < 0 ? ul : skew > 0 ? ur : ul + ur;
  return Math.max(ul, ur, uskew);
}

/**
 * Fits PyOD `ECOD`: keeps the training columns; `decision_scores_` are the training rows' scores over
 * the training ECDFs, `threshold_` their `(1 - contamination)` percentile.
 * @throws Error on non-finite values or fewer than 2 rows.
 * @example
 * const { trainScores } = fitEcod(fromRows([[0], [1], [2], [10]]));
 * trainScores[3]; // -ln(1/4) = 1.386...: the largest value is alone in its right tail
 */
export function fitEcod(X: FeatureMatrix, params: EcodParams = {}): PyodFit<EcodDetector> {
  checkTrain(X, "ECOD", 2);
  const detector: EcodDetector = { kind: "ecod", version: 1, ...ecdfColumns(X) };
  const trainScores = new Float64Array(X.rows);
  visitTails(detector, X, true, (i, _j, ul, ur, skew) => {
    trainScores[i] += ecodTerm(ul, ur, skew);
  });
  return { detector, trainScores, threshold: pyodThreshold(trainScores, params.contamination ?? DEFAULT_CONTAMINATION) };
}

/**
 * PyOD `ECOD.decision_function` of each row on its own: the ECDFs and skewness of the training rows
 * plus that row ({@link visitTails}).
 * @throws Error when X has another column count or non-finite values.
 */
export function ecodScores(m: EcodDetector, X: FeatureMatrix): Float64Array {
  checkScore(X, "ECOD", m.sorted.length);
  const out = new Float64Array(X.rows);
  visitTails(m, X, false, (i, _j, ul, ur, skew) => {
    out[i] += ecodTerm(ul, ur, skew);
  });
  return out;
}

/** Validates a deserialized ECOD detector; returns a problem or undefined. */
export function ecodProblem(d: Record<string, unknown>, cols: number): string | undefined {
  return ecdfColumnsProblem(d, cols);
}
