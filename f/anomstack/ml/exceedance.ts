// The "range" calibration: a raw score becomes a probability by how far it leaves the range of the raw
// scores the model has seen (its training window, extended by the points scored since), in units of
// that range's width. Inside the range it is 0, whatever the model's raw scale.
//nobundling

/** Exceedance (in range widths) that maps to probability 0.5: leaving the range by 5% of its width. */
export const RANGE_HALF_SCORE = 0.05;

/**
 * `e / (e + RANGE_HALF_SCORE)` for an exceedance `e = max(0, s - hi) / (hi - lo)`: 0 inside the range,
 * 0.5 at 5% of the width above it, 0.75 at 15%, 0.9 at 45%, towards 1 far out. A range of (numerically)
 * zero width gives 1 for any score above it.
 *
 * @example rangeProbability(0, 10, 10.5) // => 0.5
 * @example rangeProbability(0, 10, 7)    // => 0
 */
export function rangeProbability(lo: number, hi: number, s: number): number {
  if (!(s > hi)) return 0;
  const width = hi - lo;
  const tol = 1e-12 * Math.max(1, Math.abs(hi), Math.abs(lo));
  if (!(width > tol)) return s - hi > tol ? 1 : 0;
  const e = (s - hi) / width;
  return e / (e + RANGE_HALF_SCORE);
}

/**
 * Range-calibrated probabilities of consecutive raw scores (oldest first). Row i is measured against
 * `[lo, hi]` = the training range `[cal.min, cal.max]` widened by the raw scores of the earlier rows
 * j < i with `extend[j]` (points scored after the training window), so a second, lower excursion after
 * a new high does not count again; with `pad`, a point widens the range to its score plus `pad` (the
 * padding of a RANGE member's bounds, so that the edge stays that far from what was seen).
 *
 * @throws Error on a NaN raw score (naming its row) or an invalid range.
 * @example Array.from(rangeProba({ min: 0, max: 10 }, [10.5, 10.5, 11], [true, true, true])); // [0.5, 0, 0.4878048780487805] (11 is 0.5 / 10.5 widths above [0, 10.5])
 */
export function rangeProba(cal: { min: number; max: number }, raw: ArrayLike<number>, extend: ArrayLike<boolean>, pad = 0): Float64Array {
  if (!Number.isFinite(cal.min) || !Number.isFinite(cal.max) || cal.max < cal.min) {
    throw new Error(`range calibration: invalid min/max ${cal.min}/${cal.max}`);
  }
  let lo = cal.min;
  let hi = cal.max;
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i];
    if (Number.isNaN(s)) throw new Error(`range calibration: NaN score at row ${i}`);
    out[i] = rangeProbability(lo, hi, s);
    if (extend[i]) {
      if (s < lo) lo = s;
      if (s + pad > hi) hi = s + pad;
    }
  }
  return out;
}
