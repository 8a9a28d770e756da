// The ZSCORE member: a robust z-score of the current feature value against its training window
// (median and MAD), refitted at every training, so it rolls with the data.
//nobundling

import { median } from "./mad.ts";
import type { FeatureMatrix } from "./matrix.ts";

/** A fitted robust z-score member (JSON-safe). */
export interface ZscoreModel {
  kind: "zscore";
  version: 1;
  median: number;
  /** 1.4826 * MAD (the normal-consistent MAD), floored so that it is never 0. */
  scale: number;
}

/** Normal-consistency factor of the MAD: 1 / Φ⁻¹(3/4). */
export const MAD_TO_SD = 1.482602218505602;

/**
 * Fits a robust z-score on the first feature column: `median` and `scale = 1.4826 * MAD`. A training
 * window with MAD 0 (more than half the values equal) uses the population standard deviation, and
 * failing that `1e-9 * max(1, |median|)`, so that any departure from a constant scores high.
 *
 * @throws Error on zero rows or a non-finite value.
 * @example fitZscore(fromRows([[1], [2], [3], [4], [100]])); // { kind: "zscore", median: 3, scale: 1.4826..., version: 1 }
 */
export function fitZscore(X: FeatureMatrix): ZscoreModel {
  if (X.rows < 1 || X.cols < 1) throw new Error(`ZSCORE needs at least 1 row, got ${X.rows}`);
  const v = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    v[i] = X.data[i * X.cols];
    if (!Number.isFinite(v[i])) throw new Error(`ZSCORE: non-finite value ${v[i]} at row ${i}`);
  }
  const med = median(v);
  let scale = MAD_TO_SD * median(v.map((x) => Math.abs(x - med)));
  if (!(scale > 0)) {
    let s = 0;
    for (const x of v) s += x;
    const mean = s / v.length;
    let ss = 0;
    for (const x of v) ss += (x - mean) ** 2;
    scale = Math.sqrt(ss / v.length);
  }
  if (!(scale > 0)) scale = 1e-9 * Math.max(1, Math.abs(med));
  return { kind: "zscore", version: 1, median: med, scale };
}

/**
 * Raw ZSCORE scores: `|x - median| / scale` of each row's first feature.
 * @example Array.from(zscoreScores({ kind: "zscore", version: 1, median: 3, scale: 2 }, fromRows([[3], [7]]))); // [0, 2]
 */
export function zscoreScores(m: ZscoreModel, X: FeatureMatrix): Float64Array {
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) out[i] = Math.abs(X.data[i * X.cols] - m.median) / m.scale;
  return out;
}
