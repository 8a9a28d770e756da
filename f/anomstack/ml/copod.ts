// PyOD's COPOD detector (Li et al., ICDM 2020, "Copula-Based Outlier Detection"): per feature, the
// larger of the skewness-corrected tail and the mean of both tails' -ln ECDF, summed over the features.
//nobundling

import { ecdfColumns, ecdfColumnsProblem, visitTails, type EcdfColumns } from "./ecdf.ts";
import { checkScore, checkTrain, pyodThreshold, DEFAULT_CONTAMINATION, type PyodFit } from "./pyod-base.ts";
import type { FeatureMatrix } from "./matrix.ts";

/** A fitted COPOD model (JSON-safe): the training columns, sorted, and their moments. */
export interface CopodDetector extends EcdfColumns {
  kind: "copod";
  version: 1;
}

/** PyOD `COPOD` parameters (`n_jobs` is accepted and ignored). */
export interface CopodParams {
  contamination?: number;
}

/**
 * The COPOD outlier score of one feature value, as PyOD computes it: `max(U_skew, (U_l + U_r) / 2)`
 * with `U_skew = U_l` for a negatively skewed feature, `U_r` for a positive skew, and `U_l + U_r` for a
 * skewness of exactly 0 (PyOD's NaN for a constant feature counts as 0). The paper's
 * `max(p_l, p_r, p_s)` of the summed tails is taken per feature in PyOD; this follows PyOD.
 */
export function copodTerm(ul: number, ur: number, skew: number): number {
  const uskew = skew < 0 ? ul : skew > 0 ? ur : ul + ur;
  return Math.max(uskew, (ul + ur) / 2);
}

/**
 * Fits PyOD `COPOD`: keeps the training columns; `decision_scores_` are the training rows' scores over
 * the training ECDFs, `threshold_` their `(1 - contamination)` percentile.
 * @throws Error on non-finite values or fewer than 2 rows.
 */
export function fitCopod(X: FeatureMatrix, params: CopodParams = {}): PyodFit<CopodDetector> {
  checkTrain(X, "COPOD", 2);
  const detector: CopodDetector = { kind: "copod", version: 1, ...ecdfColumns(X) };
  const trainScores = new Float64Array(X.rows);
  visitTails(detector, X, true, (i, _j, ul, ur, skew) => {
    trainScores[i] += copodTerm(ul, ur, skew);
  });
  return { detector, trainScores, threshold: pyodThreshold(trainScores, params.contamination ?? DEFAULT_CONTAMINATION) };
}

/**
 * PyOD `COPOD.decision_function` of each row on its own: the ECDFs and skewness of the training rows
 * plus that row (see ecdf.ts `visitTails`).
 * @throws Error when X has another column count or non-finite values.
 */
export function copodScores(m: CopodDetector, X: FeatureMatrix): Float64Array {
  checkScore(X, "COPOD", m.sorted.length);
  const out = new Float64Array(X.rows);
  visitTails(m, X, false, (i, _j, ul, ur, skew) => {
    out[i] += copodTerm(ul, ur, skew);
  });
  return out;
}

/** Validates a deserialized COPOD detector; returns a problem or undefined. */
export function copodProblem(d: Record<string, unknown>, cols: number): string | undefined {
  return ecdfColumnsProblem(d, cols);
}
