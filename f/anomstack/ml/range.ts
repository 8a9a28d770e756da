// The RANGE member: how far a value is from the middle of the range its training window covered,
// optionally after removing an hour-of-day or hour-of-week profile (a seasonal residual) and the median
// of the points just before (a local level). With the "range" calibration it becomes the range rule: a
// value scores once it leaves that range. The range is either the training min and max (the first
// default's) or a robust envelope (trimmed quantiles, widened), so that earlier anomalies in the training
// window do not widen what counts as normal.
//nobundling

import type { FeatureMatrix } from "./matrix.ts";

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
}

/** Whether these params ask for the robust envelope rather than the min-max range. */
export function isEnvelope(params: RangeParams): boolean {
  return (params.trim ?? 0) > 0 || (params.widen ?? 1) !== 1 || (params.local_n ?? 0) > 0;
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
  const win = new Float64Array(n);
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
    if (size === n) {
      const k = find(r[i - n]);
      win.copyWithin(k, k + 1, size);
      size--;
    }
    const k = find(r[i]);
    win.copyWithin(k + 1, k, size);
    win[k] = r[i];
    size++;
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
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of r) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return { ...base, center: (lo + hi) / 2 };
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
