// Tests for f/anomstack/ml/preprocess.ts: Anomstack's make_x with pandas semantics
// (expected values worked out by hand from pandas' documented behaviour).

import { describe, expect, it } from "vitest";
import { toRows } from "../../f/anomstack/ml/matrix.ts";
import { freqToMs, minRowsForFeatures, preprocess, type PreprocessParams } from "../../f/anomstack/ml/preprocess.ts";

const P = (diff_n: number, smooth_n: number, lags_n: number, freq: string | null = null, freq_agg: "mean" | "sum" = "mean"): PreprocessParams => ({
  diff_n,
  smooth_n,
  lags_n,
  freq,
  freq_agg,
});
const DEFAULTS = P(1, 3, 5);
const T0 = Date.UTC(2024, 0, 1); // 2024-01-01T00:00Z
const MIN = 60_000;

describe("preprocess", () => {
  it("hand series: diff 1, smooth 3, lags 2", () => {
    const values = [1, 3, 6, 10, 15, 21, 28, 36, 45, 55];
    const timestamps = values.map((_, i) => T0 + i * MIN);
    const X = preprocess({ timestamps, values }, P(1, 3, 2));
    // diff -> [NaN,2,3,...,10]; rolling(3) mean -> [NaN x3, 3,4,...,9]; lags 1 and 2.
    expect(X.columns).toEqual(["metric_value", "lag_1", "lag_2"]);
    expect(X.rows).toBe(5);
    expect(X.cols).toBe(3);
    expect(toRows(X)).toEqual([
      [5, 4, 3],
      [6, 5, 4],
      [7, 6, 5],
      [8, 7, 6],
      [9, 8, 7],
    ]);
    expect(X.timestamps).toEqual([5, 6, 7, 8, 9].map((i) => T0 + i * MIN));
  });

  it("sorts by timestamp first (input order does not matter)", () => {
    const values = [1, 3, 6, 10, 15, 21, 28, 36, 45, 55];
    const timestamps = values.map((_, i) => T0 + i * MIN);
    const perm = [7, 2, 9, 0, 5, 1, 8, 3, 6, 4];
    const X = preprocess({ timestamps: perm.map((i) => timestamps[i]), values: perm.map((i) => values[i]) }, P(1, 3, 2));
    expect(toRows(X)).toEqual([
      [5, 4, 3],
      [6, 5, 4],
      [7, 6, 5],
      [8, 7, 6],
      [9, 8, 7],
    ]);
  });

  it("no-op params keep the sorted values as one column", () => {
    const X = preprocess({ timestamps: [30, 10, 20], values: [3, 1, 2] }, P(0, 0, 0));
    expect(X.columns).toEqual(["metric_value"]);
    expect(Array.from(X.data)).toEqual([1, 2, 3]);
    expect(X.timestamps).toEqual([10, 20, 30]);
  });

  it("smoothing needs a full window; diff_n > 1 differences across rows", () => {
    expect(Array.from(preprocess({ timestamps: [0, 1, 2], values: [1, 2, 4] }, P(0, 2, 0)).data)).toEqual([1.5, 3]);
    expect(Array.from(preprocess({ timestamps: [0, 1, 2, 3], values: [1, 2, 4, 8] }, P(2, 0, 0)).data)).toEqual([3, 6]);
    expect(Array.from(preprocess({ timestamps: [0, 1], values: [1, 2] }, P(0, 1, 0)).data)).toEqual([1, 2]);
  });

  it("row count is max(N - diff_n - max(smooth_n - 1, 0) - lags_n, 0) and minRowsForFeatures matches", () => {
    for (let diff = 0; diff <= 2; diff++) {
      for (let smooth = 0; smooth <= 4; smooth++) {
        for (let lags = 0; lags <= 3; lags++) {
          const params = P(diff, smooth, lags);
          const need = minRowsForFeatures(params);
          expect(need).toBe(diff + Math.max(smooth - 1, 0) + lags + 1);
          for (let n = 0; n <= 12; n++) {
            const values = Array.from({ length: n }, (_, i) => Math.sin(i) * 10 + i * i);
            const X = preprocess({ timestamps: values.map((_, i) => i * 1000), values }, params);
            expect(X.rows).toBe(Math.max(n - diff - Math.max(smooth - 1, 0) - lags, 0));
            expect(X.rows >= 1).toBe(n >= need);
            expect(X.cols).toBe(lags + 1);
            expect(X.data.length).toBe(X.rows * X.cols);
          }
        }
      }
    }
    expect(minRowsForFeatures(DEFAULTS)).toBe(9);
    const values = Array.from({ length: 20 }, (_, i) => i * i);
    expect(preprocess({ timestamps: values.map((_, i) => i), values }, DEFAULTS).rows).toBe(12);
  });

  it("resamples with mean: bins labelled by start, empty bins NaN and dropped", () => {
    // 00:03 -> 1, 00:07 -> 3, 00:25 -> 10, 00:41 -> 4, 00:48 -> 6
    const timestamps = [3, 7, 25, 41, 48].map((m) => T0 + m * MIN);
    const values = [1, 3, 10, 4, 6];
    const X = preprocess({ timestamps, values }, P(0, 0, 0, "10min", "mean"));
    // bins 00:00 [1,3] -> 2, 00:10 NaN, 00:20 -> 10, 00:30 NaN, 00:40 [4,6] -> 5
    expect(Array.from(X.data)).toEqual([2, 10, 5]);
    expect(X.timestamps).toEqual([0, 20, 40].map((m) => T0 + m * MIN));
    // A lag next to an empty bin is NaN, so every row is dropped.
    expect(preprocess({ timestamps, values }, P(0, 0, 1, "10min", "mean")).rows).toBe(0);
  });

  it("resamples with sum: empty bins are 0 and kept", () => {
    const timestamps = [3, 7, 25, 41, 48].map((m) => T0 + m * MIN);
    const values = [1, 3, 10, 4, 6];
    const X = preprocess({ timestamps, values }, P(0, 0, 0, "10T", "sum"));
    expect(Array.from(X.data)).toEqual([4, 0, 10, 0, 10]);
    expect(X.timestamps).toEqual([0, 10, 20, 30, 40].map((m) => T0 + m * MIN));
    const D = preprocess({ timestamps, values }, P(1, 0, 1, "10min", "sum"));
    // diff -> [NaN, -4, 10, -10, 10]; lag_1 -> [NaN, NaN, -4, 10, -10]
    expect(toRows(D)).toEqual([
      [10, -4],
      [-10, 10],
      [10, -10],
    ]);
  });

  it("uses pandas' start_day origin (midnight UTC of the first point)", () => {
    const day = preprocess({ timestamps: [T0 + 23 * 60 * MIN, T0 + 25 * 60 * MIN], values: [1, 2] }, P(0, 0, 0, "D", "sum"));
    expect(day.timestamps).toEqual([T0, T0 + 24 * 60 * MIN]);
    // 7min does not divide a day: bins start at 00:00, 00:07, 00:14 of the first day.
    const X = preprocess({ timestamps: [T0 + 24 * 60 * MIN + 10 * MIN], values: [5] }, P(0, 0, 0, "7min", "mean"));
    expect(X.timestamps).toEqual([T0 + 24 * 60 * MIN + 7 * MIN]);
    const h = preprocess({ timestamps: [T0 + 90 * MIN, T0 + 100 * MIN, T0 + 150 * MIN], values: [1, 2, 3] }, P(0, 0, 0, "H", "mean"));
    expect(toRows(h)).toEqual([[1.5], [3]]);
    expect(h.timestamps).toEqual([T0 + 60 * MIN, T0 + 120 * MIN]);
  });

  it("parses pandas fixed-frequency aliases", () => {
    expect(freqToMs("10min")).toBe(600_000);
    expect(freqToMs("5T")).toBe(300_000);
    expect(freqToMs("1h")).toBe(3_600_000);
    expect(freqToMs("H")).toBe(3_600_000);
    expect(freqToMs("D")).toBe(86_400_000);
    expect(freqToMs("2D")).toBe(172_800_000);
    expect(freqToMs("30s")).toBe(30_000);
    expect(freqToMs("S")).toBe(1000);
    expect(freqToMs("250ms")).toBe(250);
    expect(freqToMs("5L")).toBe(5);
  });

  it("rejects unsupported freq values, naming them", () => {
    for (const bad of ["10 minutes", "W", "M", "0min", "1.5h", "", "h1", "10Min", "-5min"]) {
      expect(() => preprocess({ timestamps: [0], values: [1] }, P(0, 0, 0, bad))).toThrow(`unsupported freq ${JSON.stringify(bad)}`);
    }
  });

  it("rejects bad params and inputs", () => {
    const pts = { timestamps: [0, 1, 2], values: [1, 2, 3] };
    expect(() => preprocess(pts, { ...P(0, 0, 0, "1h"), freq_agg: "median" as "mean" })).toThrow(/freq_agg must be "mean" or "sum", got "median"/);
    expect(() => preprocess(pts, P(-1, 0, 0))).toThrow(/diff_n must be a non-negative integer/);
    expect(() => preprocess(pts, P(0, 1.5, 0))).toThrow(/smooth_n/);
    expect(() => minRowsForFeatures(P(0, 0, -2))).toThrow(/lags_n/);
    expect(() => preprocess({ timestamps: [0, 1, 2], values: [1, NaN, 3] }, P(0, 0, 0))).toThrow(/non-finite value NaN at index 1/);
    expect(() => preprocess({ timestamps: [0, 1, 2], values: [1, 2, Infinity] }, P(0, 0, 0))).toThrow(/at index 2/);
    expect(() => preprocess({ timestamps: [0, NaN], values: [1, 2] }, P(0, 0, 0))).toThrow(/non-finite timestamp NaN at index 1/);
    expect(() => preprocess({ timestamps: [0], values: [1, 2] }, P(0, 0, 0))).toThrow(/1 timestamps but 2 values/);
    expect(() => preprocess({ timestamps: [0, 365 * 86_400_000], values: [1, 2] }, P(0, 0, 0, "1s"))).toThrow(/bins/);
  });

  it("handles empty input", () => {
    for (const freq of [null, "1h"]) {
      const X = preprocess({ timestamps: [], values: [] }, P(1, 3, 2, freq));
      expect(X.rows).toBe(0);
      expect(X.columns).toEqual(["metric_value", "lag_1", "lag_2"]);
      expect(X.data.length).toBe(0);
    }
  });
});
