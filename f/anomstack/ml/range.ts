// The RANGE member: how far a value is from the middle of the range its training window covered,
// optionally after removing an hour-of-day or hour-of-week profile (a seasonal residual). With the
// "range" calibration it becomes the range rule: a value scores once it leaves that range.
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
  /** Middle of the training residuals' range: raw scores are distances from it. */
  center: number;
}

export interface RangeParams {
  /** Remove this seasonal profile first (default "none": the value itself). */
  seasonal?: SeasonalProfile;
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
  return out;
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
  const base = { kind: "range" as const, version: 1 as const, seasonal, profile, level: total / X.rows };
  const r = residuals(base, X);
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
  for (let i = 0; i < r.length; i++) r[i] = Math.abs(r[i] - m.center);
  return r;
}
