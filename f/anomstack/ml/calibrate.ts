// PyOD `predict_proba(method="linear")`: min-max scaling fitted on the training
// decision scores, applied to new scores and clipped to [0, 1].
//nobundling

/** Min and max of the training decision scores (JSON-safe). */
export interface Calibration {
  min: number;
  max: number;
}

const EPS = 2.220446049250313e-16;

/**
 * Fits scikit-learn `MinMaxScaler` on the training decision scores.
 *
 * @throws Error when `trainScores` is empty or holds a non-finite value.
 * @example
 * fitCalibration([3, 1, 2]); // { min: 1, max: 3 }
 */
export function fitCalibration(trainScores: ArrayLike<number>): Calibration {
  if (trainScores.length === 0) throw new Error("calibration needs at least 1 training score, got 0");
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < trainScores.length; i++) {
    const s = trainScores[i];
    if (!Number.isFinite(s)) throw new Error(`calibration: non-finite training score ${s} at index ${i}`);
    if (s < min) min = s;
    if (s > max) max = s;
  }
  return { min, max };
}

/**
 * `p = clip(s * scale + offset, 0, 1)` with `scale = 1 / range` and
 * `offset = -min * scale` (scikit-learn `MinMaxScaler.transform`, same operation
 * order), where `range = max - min`, treated as 1 when it is below `10 * eps`
 * (scikit-learn's `_handle_zeros_in_scale`), e.g. for constant training scores.
 *
 * ±Infinity scores clip to 0 / 1.
 *
 * @throws Error naming the index of a NaN score, or for an invalid calibration.
 * @example
 * Array.from(calibrate({ min: 1, max: 3 }, [0, 2, 5])); // [0, 0.5, 1]
 */
export function calibrate(c: Calibration, scores: ArrayLike<number>): Float64Array {
  if (!Number.isFinite(c.min) || !Number.isFinite(c.max) || c.max < c.min) {
    throw new Error(`calibration: invalid min/max ${c.min}/${c.max}`);
  }
  const range = c.max - c.min;
  const scale = 1 / (range < 10 * EPS ? 1 : range);
  const offset = 0 - c.min * scale;
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (Number.isNaN(s)) throw new Error(`calibration: NaN score at index ${i}`);
    const p = s * scale + offset;
    out[i] = p < 0 ? 0 : Math.min(p, 1);
  }
  return out;
}
