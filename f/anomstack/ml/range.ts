// The RANGE member: how far a value is from the middle of the range its training window covered,
// optionally after removing an hour-of-day or hour-of-week profile (a seasonal residual) and the median
// of the points just before (a local level). With the "range" calibration it becomes the range rule: a
// value scores once it leaves that range. The range is either the training min and max (the first
// default's) or a robust envelope (trimmed quantiles, widened), so that earlier anomalies in the training
// window do not widen what counts as normal; the min-max range can be held to a floor of a few noise
// standard deviations and padded, so that a window of plain noise does not make normal too narrow.
//nobundling

import type { FeatureMatrix } from "./matrix.ts";
import { medianInPlace } from "./select.ts";

/** Seasonal profiles a RANGE member can remove before measuring. */
export const SEASONAL_PROFILES = ["none", "hour_of_day", "hour_of_week"] as const;
export type SeasonalProfile = (typeof SEASONAL_PROFILES)[number];

/** A fitted RANGE member (JSON-safe). */
export interface RangeModel {
  kind: "range";
  version: 1;
  seasonal: SeasonalProfile;
  /** Mean training value per bucket (24 hours of the day or 168 hours of the week, UTC); null = no data. */
  profile: (number | null)[];
  /** Mean of all training values: the profile of buckets without data. */
  level: number;
  /** Middle of the training residuals' range (the median with an envelope): raw scores are distances from it. */
  center: number;
  /** Subtract the median of the `local_n` residuals before each row (0 / absent = none). */
  local_n?: number;
  /** The robust envelope of the residuals (absent = the min-max range): below / above `center`. */
  envelope?: { lo: number; hi: number };
  /** Min-max mode with `floor`, `noise_floor` or `pad`: the residual range (`center` is its middle). */
  bounds?: { lo: number; hi: number };
  /** The padding of `bounds` (residual units): a point scored since training widens the range to its distance plus this. */
  pad?: number;
}

export interface RangeParams {
  /** Remove this seasonal profile first (default "none": the value itself). */
  seasonal?: SeasonalProfile;
  /** Share of the training residuals left out at each end of the envelope (default 0: the min and max). */
  trim?: number;
  /** The envelope's half-widths (from the median) times this (default 1). */
  widen?: number;
  /** Measure each residual from the median of the `local_n` before it (default 0: from the window's middle). */
  local_n?: number;
  /** Min-max mode: the range is at least the residuals' median ± `floor` robust standard deviations (default 0). */
  floor?: number;
  /**
   * Min-max mode: the range is at least the median ± `noise_floor` standard deviations of the noise (the
   * robust one of the differences between consecutive residuals, / √2: a trend or a cycle does not count).
   */
  noise_floor?: number;
  /** Min-max mode: the range's edges are moved out by `pad` standard deviations of the noise (default 0). */
  pad?: number;
  /**
   * Min-max mode with a floor: the `trim_excursions` largest excursions beyond the floor on each side
   * do not widen the range (they are the anomalies an earlier incident would otherwise hide later ones
   * with; default 0)...
   */
  trim_excursions?: number;
  /** ...when that side has at most `trim_excursions_max` of them (more: they are the metric's normal; default 6). */
  trim_excursions_max?: number;
}

/** Default of `trim_excursions_max`. */
export const TRIM_EXCURSIONS_MAX = 6;

/** Whether these params ask for the robust envelope rather than the min-max range. */
export function isEnvelope(params: RangeParams): boolean {
  if ((params.trim ?? 0) > 0 || (params.widen ?? 1) !== 1) return true;
  return (params.local_n ?? 0) > 0 && !hasBounds(params);
}

/** Whether these params hold the min-max range to a floor, pad it or trim its excursions. */
export function hasBounds(params: RangeParams): boolean {
  return (params.floor ?? 0) > 0 || (params.noise_floor ?? 0) > 0 || (params.pad ?? 0) > 0;
}

const HOUR_MS = 3_600_000;

/**
 * Bucket of a timestamp: the UTC hour of the day (0..23) or of the week (0..167, Monday 00:00 = 0).
 * @example seasonalBucket(Date.UTC(2024, 0, 1, 5), "hour_of_week") // => 5 (2024-01-01 is a Monday)
 */
export function seasonalBucket(t: number, seasonal: "hour_of_day" | "hour_of_week"): number {
  const hours = Math.floor(t / HOUR_MS);
  if (seasonal === "hour_of_day") return ((hours % 24) + 24) % 24;
  // 1970-01-01 was a Thursday: shift by 3 days so that Monday starts the week.
  return (((hours + 72) % 168) + 168) % 168;
}

function residuals(m: Omit<RangeModel, "center">, X: FeatureMatrix): Float64Array {
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    const v = X.data[i * X.cols];
    if (m.seasonal === "none") out[i] = v;
    else out[i] = v - (m.profile[seasonalBucket(X.timestamps[i], m.seasonal)] ?? m.level);
  }
  return m.local_n ? minusLocalMedian(out, m.local_n) : out;
}

/**
 * `r[i] - median(r[i-n .. i-1])` (the rows before i, fewer at the start; row 0 keeps 0), with a sorted
 * sliding window.
 * @example Array.from(minusLocalMedian(Float64Array.of(1, 1, 5, 1), 2)) // => [0, 0, 4, -2]
 */
export function minusLocalMedian(r: Float64Array, n: number): Float64Array {
  const out = new Float64Array(r.length);
  const win = new Float64Array(n); // the last `size` values, sorted
  let size = 0;
  const find = (x: number) => {
    let a = 0;
    let b = size;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (win[mid] < x) a = mid + 1;
      else b = mid;
    }
    return a;
  };
  for (let i = 0; i < r.length; i++) {
    if (size > 0) {
      const h = size >> 1;
      out[i] = r[i] - (size % 2 === 1 ? win[h] : (win[h - 1] + win[h]) / 2);
    }
    const x = r[i];
    // Full window: the value leaving is replaced by the one entering, moved to its place (plain loops:
    // copyWithin's call cost is most of the time for windows this small).
    let k = size < n ? size++ : find(r[i - n]);
    win[k] = x;
    while (k > 0 && win[k - 1] > x) {
      win[k] = win[k - 1];
      win[--k] = x;
    }
    while (k + 1 < size && win[k + 1] < x) {
      win[k] = win[k + 1];
      win[++k] = x;
    }
  }
  return out;
}

/** numpy's linear-interpolation quantile of sorted values. */
function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/**
 * Fits a RANGE member on the first feature column (`metric_value`; lag columns are ignored) of the
 * training rows, in time order:
 * - seasonal "none": residual r = v;
 * - "hour_of_day" / "hour_of_week": r = v - profile[bucket(t)], the profile being the mean training
 *   value of each UTC hour of the day (24) or week (168); buckets without training rows use the mean
 *   of all training values;
 * - center = (min r + max r) / 2 over the training rows.
 *
 * @throws Error on zero rows, a non-finite value or an unknown `seasonal`.
 * @example
 * fitRange(fromRows([[1], [3], [2]], [0, 1, 2])); // { kind: "range", seasonal: "none", profile: [], level: 2, center: 2, ... }
 */
export function fitRange(X: FeatureMatrix, params: RangeParams = {}): RangeModel {
  const seasonal = params.seasonal ?? "none";
  const localN = params.local_n ?? 0;
  if (!(SEASONAL_PROFILES as readonly string[]).includes(seasonal)) {
    throw new Error(`RANGE seasonal must be one of ${SEASONAL_PROFILES.join(", ")}, got ${JSON.stringify(seasonal)}`);
  }
  if (X.rows < 1 || X.cols < 1) throw new Error(`RANGE needs at least 1 row, got ${X.rows}`);
  let total = 0;
  const size = seasonal === "hour_of_day" ? 24 : seasonal === "hour_of_week" ? 168 : 0;
  const sum = new Float64Array(size);
  const count = new Float64Array(size);
  for (let i = 0; i < X.rows; i++) {
    const v = X.data[i * X.cols];
    if (!Number.isFinite(v)) throw new Error(`RANGE: non-finite value ${v} at row ${i}`);
    total += v;
    if (seasonal !== "none") {
      const b = seasonalBucket(X.timestamps[i], seasonal);
      sum[b] += v;
      count[b]++;
    }
  }
  const profile = Array.from(sum, (s, b) => (count[b] > 0 ? s / count[b] : null));
  const base = { kind: "range" as const, version: 1 as const, seasonal, profile, level: total / X.rows, ...(localN > 0 ? { local_n: localN } : {}) };
  const r = residuals(base, X);
  if (isEnvelope(params)) {
    // Rows without a full local window describe a different residual: left out when enough remain.
    const rows = localN > 0 && r.length > 2 * localN ? r.subarray(localN) : r;
    const sorted = Float64Array.from(rows).sort();
    const trim = params.trim ?? 0;
    const widen = params.widen ?? 1;
    const center = quantileSorted(sorted, 0.5);
    const lo = widen * (center - quantileSorted(sorted, trim));
    const hi = widen * (quantileSorted(sorted, 1 - trim) - center);
    return { ...base, center, envelope: { lo, hi } };
  }
  if (hasBounds(params)) {
    // Rows without a full local window describe a different residual: left out when enough remain.
    return fitBounds(base, localN > 0 && r.length > 2 * localN ? r.subarray(localN) : r, params);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of r) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return { ...base, center: (lo + hi) / 2 };
}

/** Reused work arrays (a member's training would otherwise allocate several window-sized arrays). */
const scratchBuffers: Float64Array[] = [new Float64Array(0), new Float64Array(0), new Float64Array(0)];

/** Work array `slot` holding at least `n` values (its contents are not kept between calls). */
function scratch(slot: number, n: number): Float64Array {
  if (scratchBuffers[slot].length < n) scratchBuffers[slot] = new Float64Array(Math.max(n, 2 * scratchBuffers[slot].length));
  return scratchBuffers[slot].subarray(0, n);
}

/**
 * Robust standard deviation of `values` around their `median`: 1.4826 · MAD, or for a MAD of 0 (more
 * than half the values equal, e.g. a mostly-zero count) the mean absolute deviation × √(π/2); 0 for a
 * constant.
 * @example robustSigma(Float64Array.of(1, 2, 3, 4, 100), 3) // => 1.4826
 */
export function robustSigma(values: ArrayLike<number>, median: number): number {
  const dev = scratch(0, values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    dev[i] = Math.abs(values[i] - median);
    sum += dev[i];
  }
  const mad = medianInPlace(dev);
  return mad > 0 ? 1.4826 * mad : (sum / values.length) * Math.sqrt(Math.PI / 2);
}

/** Points beyond an edge fewer than this many points apart belong to one excursion (a burst of variance is one). */
export const EXCURSION_GAP = 6;
/** An excursion holding this many consecutive points beyond the edge is a new level: it is never trimmed. */
export const NEW_LEVEL_RUN = 12;

/**
 * How far past `edge` (above it for side 1, below for -1) the normal excursions of `r` reach. An
 * excursion is a burst of points beyond the edge (less than {@link EXCURSION_GAP} apart), measured by its
 * farthest point; when there are at most `most` of them, the `trim` farthest are anomalies and left out.
 * One with {@link NEW_LEVEL_RUN} consecutive points beyond is a new level and always counts.
 * @example normalReach(Float64Array.of(0, 9, 0, 0, 0, 0, 0, 0, 3, 0), 1, 1, 1, 6) // => 2 (the 9 is left out)
 */
export function normalReach(r: ArrayLike<number>, edge: number, side: 1 | -1, trim: number, most: number): number {
  const peaks: number[] = [];
  let level = 0;
  let peak = -1;
  let gap = 0;
  let len = 0;
  let long = false;
  const close = () => {
    if (peak < 0) return;
    if (long) level = Math.max(level, peak);
    else peaks.push(peak);
    peak = -1;
  };
  for (let i = 0; i < r.length; i++) {
    const d = side > 0 ? r[i] - edge : edge - r[i];
    if (d > 0) {
      if (peak < 0) long = false;
      peak = Math.max(peak, d);
      gap = 0;
      if (++len >= NEW_LEVEL_RUN) long = true;
    } else {
      len = 0;
      if (peak >= 0 && ++gap >= EXCURSION_GAP) close();
    }
  }
  close();
  peaks.sort((x, y) => y - x);
  return Math.max(level, peaks[peaks.length <= most ? trim : 0] ?? 0);
}

/**
 * Robust standard deviation of the noise around a series' level: of the differences between consecutive
 * values, / √2 (for independent noise each difference has twice its variance); a trend, a daily cycle or
 * a level shift moves few differences, so it barely counts. 0 for fewer than 3 values.
 */
export function noiseSigma(r: ArrayLike<number>): number {
  if (r.length < 3) return 0;
  const d = scratch(1, r.length - 1);
  for (let i = 1; i < r.length; i++) d[i - 1] = r[i] - r[i - 1];
  // The median reorders d; the deviations from it do not depend on the order.
  return robustSigma(d, medianInPlace(d)) / Math.SQRT2;
}

/**
 * The min-max range of the residuals, at least their median ± `floor` robust standard deviations and ±
 * `noise_floor` noise standard deviations, its edges moved out by `pad` noise standard deviations. A
 * window of plain noise (or one that has only seen a few days) then does not make normal narrower than
 * the noise itself: a quiet metric alerts about once a month instead of at every new high.
 */
function fitBounds(base: Omit<RangeModel, "center">, r: Float64Array, params: RangeParams): RangeModel {
  let min = Infinity;
  let max = -Infinity;
  for (const x of r) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const copy = scratch(2, r.length);
  copy.set(r);
  const median = medianInPlace(copy);
  const floor = params.floor ?? 0;
  const noiseFloor = params.noise_floor ?? 0;
  const noise = noiseFloor > 0 || (params.pad ?? 0) > 0 ? noiseSigma(r) : 0;
  const half = Math.max(floor > 0 ? floor * robustSigma(r, median) : 0, noiseFloor * noise);
  const pad = (params.pad ?? 0) * noise;
  let lo = Math.min(min, median - half);
  let hi = Math.max(max, median + half);
  const trim = params.trim_excursions ?? 0;
  if (trim > 0) {
    // The floor is what the noise alone reaches: excursions beyond it are measured from it.
    const most = params.trim_excursions_max ?? TRIM_EXCURSIONS_MAX;
    lo = median - half - normalReach(r, median - half, -1, trim, most);
    hi = median + half + normalReach(r, median + half, 1, trim, most);
  }
  lo -= pad;
  hi += pad;
  return { ...base, center: (lo + hi) / 2, bounds: { lo, hi }, ...(pad > 0 ? { pad } : {}) };
}

/**
 * Raw RANGE scores: `|r - center|` per row (the residual's distance from the middle of the training
 * range), so a training row scores at most half the training range's width.
 *
 * @example
 * const m = fitRange(fromRows([[1], [3], [2]], [0, 1, 2]));
 * Array.from(rangeScores(m, fromRows([[2], [5], [0]], [3, 4, 5]))); // [0, 3, 2]
 */
export function rangeScores(m: RangeModel, X: FeatureMatrix): Float64Array {
  const r = residuals(m, X);
  if (m.envelope) return envelopeScores(m, m.envelope, r);
  for (let i = 0; i < r.length; i++) r[i] = Math.abs(r[i] - m.center);
  return r;
}

/**
 * Raw scores against an envelope: `(1 + d) / 2`, d = the distance from the center in half-widths of the
 * envelope on that side, so the envelope maps to [0.5, 1] (the calibration range is [0, 1]) and a score
 * beyond it is measured in envelope widths, as the min-max range's. A zero half-width (a constant window)
 * counts as 1e-9 of the center's magnitude: any departure scores near 1.
 */
function envelopeScores(m: RangeModel, env: { lo: number; hi: number }, r: Float64Array): Float64Array {
  const floor = 1e-9 * Math.max(1, Math.abs(m.center));
  const lo = Math.max(env.lo, floor);
  const hi = Math.max(env.hi, floor);
  for (let i = 0; i < r.length; i++) {
    const x = r[i] - m.center;
    const d = x >= 0 ? x / hi : -x / lo;
    r[i] = (1 + Math.min(d, 1e12)) / 2;
  }
  return r;
}
