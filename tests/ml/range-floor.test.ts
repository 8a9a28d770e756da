// The default RANGE members' floors (issue 12): a min-max range held to at least the median ± a few
// standard deviations of the noise and padded, so that a quiet metric does not alert at every new high of
// its noise, its trend or its daily cycle, while a real excursion still scores.
import { describe, expect, it } from "vitest";
import {
  fitRange,
  fromRows,
  medianInPlace,
  modelParamProblems,
  normalReach,
  noiseSigma,
  parseTrainedModel,
  predictProba,
  robustSigma,
  trainModel,
} from "../../f/anomstack/ml/index.ts";
import { replayScores } from "../../f/anomstack/jobs/replay.ts";
import { makeWorkspace } from "../helpers/workspace.ts";

const STEP = 600_000; // 10 minutes
const DAY = 144;

/** Seeded standard normal draws (Box-Muller on a Park-Miller sequence), so the test is repeatable. */
function gaussian(n: number, seed: number): number[] {
  let s = seed;
  const u = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

const matrix = (values: number[]) =>
  fromRows(
    values.map((v) => [v]),
    values.map((_, i) => i * STEP),
  );

describe("noiseSigma and robustSigma", () => {
  it("measure the noise, not the trend or the cycle around it", () => {
    const z = gaussian(3000, 5);
    const trendCycle = z.map((x, i) => 100 + 2 * x + i * 0.01 + 20 * Math.sin((2 * Math.PI * i) / DAY));
    expect(noiseSigma(trendCycle)).toBeGreaterThan(1.8);
    expect(noiseSigma(trendCycle)).toBeLessThan(2.3);
    const sorted = Float64Array.from(trendCycle).sort();
    expect(robustSigma(trendCycle, sorted[1500])).toBeGreaterThan(10); // the cycle's spread
  });

  it("a mostly-zero count has a MAD of 0: its robust sigma is the mean absolute deviation, scaled (JSDoc example too)", () => {
    const counts = Float64Array.from({ length: 100 }, (_, i) => (i % 20 === 0 ? 1 : 0));
    expect(robustSigma(counts, 0)).toBeCloseTo(0.05 * Math.sqrt(Math.PI / 2), 12);
    expect(robustSigma(Float64Array.of(1, 2, 3, 4, 100), 3)).toBe(1.4826);
  });

  it("medianInPlace is numpy's median, odd and even, whatever the order (JSDoc example too)", () => {
    expect(medianInPlace(Float64Array.of(4, 1, 3, 2))).toBe(2.5);
    const z = gaussian(1001, 3);
    const sorted = [...z].sort((a, b) => a - b);
    expect(medianInPlace(Float64Array.from(z))).toBe(sorted[500]);
    expect(medianInPlace(Float64Array.from(z.slice(1)))).toBe((sorted.filter((x) => x !== z[0])[499] + sorted.filter((x) => x !== z[0])[500]) / 2);
    expect(medianInPlace(Float64Array.of(5, 5, 5, 1, 5))).toBe(5);
  });
});

describe("RANGE floors", () => {
  const quiet = gaussian(288, 9).map((x) => 50 + x);

  it("noise_floor holds the range to the median ± k noise standard deviations, pad moves its edges out", () => {
    const plain = fitRange(matrix(quiet));
    const floored = fitRange(matrix(quiet), { noise_floor: 4, pad: 0.5 });
    const sigma = noiseSigma(quiet);
    expect(floored.bounds).toBeDefined();
    const { lo, hi } = floored.bounds!;
    expect(hi - lo).toBeGreaterThanOrEqual(2 * 4.5 * sigma - 1e-9);
    expect(floored.pad).toBeCloseTo(0.5 * sigma, 12);
    // 288 points of noise span about ±3σ: the plain range is the narrower one
    expect(plain.bounds).toBeUndefined();
    const sorted = [...quiet].sort((a, b) => a - b);
    expect(sorted.at(-1)! - sorted[0]).toBeLessThan(hi - lo);
  });

  it("a value 4σ out alerts with the plain range learnt from two days, not with the floor; 8σ alerts with both", () => {
    const level = { model_name: "RANGE", model_tag: "level" };
    const plain = trainModel(level, matrix(quiet), { calibration: "range" });
    const floored = trainModel({ ...level, model_params: { noise_floor: 4, pad: 0.5 } }, matrix(quiet), { calibration: "range" });
    const next = (v: number) => fromRows([[v]], [quiet.length * STEP]);
    expect(predictProba(plain, next(54.3))[0]).toBeGreaterThan(0.6);
    expect(predictProba(floored, next(54.3))[0]).toBe(0);
    expect(predictProba(floored, next(58))[0]).toBeGreaterThan(0.6);
    // the saved model reads back
    expect(parseTrainedModel(JSON.parse(JSON.stringify(floored)), "m.json")).toEqual(floored);
    expect(() => parseTrainedModel({ ...floored, detector: { ...floored.detector, bounds: { lo: 2, hi: 1 } } }, "m.json")).toThrow(
      /bounds hi must not be below lo/,
    );
    expect(() => parseTrainedModel({ ...floored, detector: { ...floored.detector, pad: -1 } }, "m.json")).toThrow(
      /detector.pad must be non-negative/,
    );
  });

  it("a point scored since training widens the range to its score plus the padding", () => {
    const m = trainModel({ model_name: "RANGE", model_tag: "level", model_params: { noise_floor: 4, pad: 0.5 } }, matrix(quiet), {
      calibration: "range",
    });
    const t = quiet.length * STEP;
    // 58 alerts; the same value right after it does not (the range now reaches it, padded)
    const p = predictProba(m, fromRows([[58], [58.2]], [t, t + STEP]));
    expect(p[0]).toBeGreaterThan(0.6);
    expect(p[1]).toBe(0);
  });

  it("floors apply to the min-max range: combined with an envelope's trim or widen they are refused, naming the key", () => {
    expect(modelParamProblems("RANGE", { trim: 0.01, noise_floor: 4 })).toEqual([
      { key: "noise_floor", message: expect.stringMatching(/applies to the min-max range and cannot be combined with trim or widen/) },
    ]);
    expect(modelParamProblems("RANGE", { trim: 0, widen: 1, floor: 4, pad: 1 })).toEqual([]);
    expect(modelParamProblems("RANGE", { pad: -1 })[0].message).toMatch(/model_params.pad for RANGE must be a number >= 0/);
  });
});

describe("the default detector on quiet metrics (30 days at 10 minutes, from 2 days of history)", () => {
  const ws = makeWorkspace();
  ws.writeBatch("d", "ingest_sql: select 1\n");
  ws.writeBatch(
    "first",
    "ingest_sql: select 1\nscore_suppress_quiet_n: 0\nmodel_configs: [{model_name: RANGE, model_tag: level}, {model_name: RANGE, model_tag: level_smooth, preprocess_params: {smooth_n: 24}}, {model_name: RANGE, model_tag: hour_of_day, model_params: {seasonal: hour_of_day}}]\n",
  );
  const n = 30 * DAY;
  const ts = Array.from({ length: n }, (_, i) => Date.UTC(2026, 0, 5) + i * STEP);
  const metrics = [0, 1, 2, 3].map((k) => {
    const z = gaussian(n, 100 + k);
    const cycle = k % 2 === 1 ? 4 : 0; // σ = 1: a daily cycle of ±4σ
    const trend = k >= 2 ? 5 / n : 0; // 5σ over the 30 days
    return z.map((x, i) => 100 + x + cycle * Math.sin((2 * Math.PI * i) / DAY) + trend * i);
  });
  const alertsFrom2Days = (batch: string) =>
    metrics.map((values) => {
      const cfg = ws.load(batch);
      return replayScores(cfg, ts, values, 50)
        .slice(2 * DAY)
        .filter((s) => s >= cfg.alert_threshold).length;
    });

  it("alerts at most once per metric per 30 days (noise, daily cycle, trend, both), where the first default alerted at every few new highs", () => {
    const now = alertsFrom2Days("d");
    const first = alertsFrom2Days("first");
    expect(now.reduce((a, b) => a + b, 0) / now.length).toBeLessThanOrEqual(1);
    expect(first.reduce((a, b) => a + b, 0)).toBeGreaterThan(4 * now.reduce((a, b) => a + b, 0) + 4);
  });
});

describe("RANGE trim_excursions: an earlier incident does not hide a later one", () => {
  it("normalReach leaves out the farthest bursts beyond the edge, when they are few (JSDoc example too)", () => {
    expect(normalReach(Float64Array.of(0, 9, 0, 0, 0, 0, 0, 0, 3, 0), 1, 1, 1, 6)).toBe(2);
    // points less than 6 apart are one burst (its farthest point counts), and the lower side is its own
    expect(normalReach(Float64Array.of(0, 9, 0, 5, 0, 0, 0, 0, 0, 0, 3, -8), 1, 1, 1, 6)).toBe(2);
    expect(normalReach(Float64Array.of(0, 9, 0, 5, 0, 0, 0, 0, 0, 0, 3, -8), -1, -1, 1, 6)).toBe(0);
    // more bursts than `most`: they are the metric's normal, none is left out
    const bursty = Float64Array.from({ length: 80 }, (_, i) => (i % 10 === 0 ? 5 + i / 10 : 0));
    expect(normalReach(bursty, 1, 1, 3, 6)).toBe(11);
    expect(normalReach(bursty, 1, 1, 3, 8)).toBe(8);
    // 12 points in a row beyond the edge are a new level: never left out
    const shift = Float64Array.from({ length: 40 }, (_, i) => (i >= 20 ? 4 : 0));
    expect(normalReach(shift, 1, 1, 3, 6)).toBe(3);
  });

  it("a spike in the local member's window does not widen its range: a smaller later one still scores", () => {
    const z = gaussian(2000, 21);
    const values = z.map((x, i) => 100 + x + (i === 600 ? 30 : 0));
    const local = { model_name: "RANGE", model_tag: "local", model_params: { seasonal: "hour_of_day", local_n: 36, noise_floor: 4, pad: 0.75 } };
    const plain = trainModel(local, matrix(values), { calibration: "range" });
    const trimmed = trainModel({ ...local, model_params: { ...local.model_params, trim_excursions: 3 } }, matrix(values), { calibration: "range" });
    // the last 40 points of the window as history, then a spike of 10 σ
    const later = [...values.slice(-40), 110];
    const X = fromRows(
      later.map((v) => [v]),
      later.map((_, i) => (values.length - 40 + i) * STEP),
    );
    expect(predictProba(plain, X).at(-1)).toBe(0); // inside the range the spike at 600 widened
    expect(predictProba(trimmed, X).at(-1)).toBeGreaterThan(0.6);
  });

  it("needs a floor, and is refused with an envelope", () => {
    expect(modelParamProblems("RANGE", { trim_excursions: 3 })[0].message).toMatch(
      /trim_excursions for RANGE needs a floor \(noise_floor or floor\)/,
    );
    expect(modelParamProblems("RANGE", { trim: 0.01, noise_floor: 4, trim_excursions: 3 }).map((p) => p.key)).toEqual([
      "noise_floor",
      "trim_excursions",
    ]);
    expect(modelParamProblems("RANGE", { noise_floor: 4, trim_excursions: 3, trim_excursions_max: 0 })[0].message).toMatch(
      /trim_excursions_max for RANGE must be a positive integer/,
    );
  });
});
