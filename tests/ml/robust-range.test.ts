// The robust RANGE member (issue 12): an envelope of trimmed quantiles, so earlier anomalies in the training
// window do not widen what counts as normal; a local level, so a level shift becomes the new normal; and
// the repeat suppression's new-incident test.
import { describe, expect, it } from "vitest";
import {
  fitRange,
  fromRows,
  minusLocalMedian,
  parseTrainedModel,
  predictProba,
  quietBefore,
  rangeScores,
  suppressRepeats,
  trainModel,
} from "../../f/anomstack/ml/index.ts";
import { noise } from "../helpers/workspace.ts";

const STEP = 600_000;
const matrix = (values: number[], from = 0) =>
  fromRows(
    values.map((v) => [v]),
    values.map((_, i) => (from + i) * STEP),
  );

describe("minusLocalMedian", () => {
  it("subtracts the median of the n values before each one (JSDoc example)", () => {
    expect(Array.from(minusLocalMedian(Float64Array.of(1, 1, 5, 1), 2))).toEqual([0, 0, 4, -2]);
    expect(Array.from(minusLocalMedian(Float64Array.of(3, 1, 2, 10), 3))).toEqual([0, -2, 0, 8]);
  });
});

describe("RANGE envelope", () => {
  // 2,000 quiet points with a big spike early in the window, then a smaller one to score
  const train = noise(2000, 3).map((x, i) => (i === 300 ? 40 : 10 + x));
  const later = matrix([10.5, 25, 10.2], 2000);

  it("an earlier spike in the training window widens the min-max range and hides a smaller later one", () => {
    const minmax = trainModel({ model_name: "RANGE", model_tag: "level" }, matrix(train), { calibration: "range" });
    expect(Array.from(predictProba(minmax, later))).toEqual([0, 0, 0]);
  });

  it("a trimmed, widened envelope leaves the earlier spike out, so the later one scores", () => {
    const robust = trainModel({ model_name: "RANGE", model_tag: "level", model_params: { trim: 0.01, widen: 1.75 } }, matrix(train), {
      calibration: "range",
    });
    const p = Array.from(predictProba(robust, later));
    expect(p[0]).toBe(0);
    expect(p[1]).toBeGreaterThan(0.99);
    expect(p[2]).toBe(0);
    // the envelope: the median ± 1.75 × its distance to the 1% / 99% quantiles, not the spike
    const m = robust.detector as ReturnType<typeof fitRange>;
    expect(m.envelope!.hi).toBeLessThan(1);
    expect(robust.calibration).toEqual({ min: 0, max: 1 });
    expect(parseTrainedModel(JSON.parse(JSON.stringify(robust)), "robust.json")).toEqual(robust);
    expect(() => parseTrainedModel({ ...robust, detector: { ...m, envelope: { lo: -1, hi: 1 } } }, "bad.json")).toThrow(
      /bad\.json: invalid trained model: detector\.envelope lo\/hi must be non-negative/,
    );
  });

  it("does not widen with anomalies scored since training (no range extension)", () => {
    const robust = trainModel({ model_name: "RANGE", model_tag: "level", model_params: { trim: 0.01, widen: 1.75 } }, matrix(train), {
      calibration: "range",
    });
    // a bigger spike first, then the smaller one: both score (the min-max range's extension would hide the second)
    const p = Array.from(predictProba(robust, matrix([40, 10.3, 25], 2000)));
    expect(p[0]).toBeGreaterThan(0.99);
    expect(p[2]).toBeGreaterThan(0.99);
  });

  it("a constant window gives a near-1 score to any departure, finite", () => {
    const flat = trainModel({ model_name: "RANGE", model_tag: "level", model_params: { trim: 0.01, widen: 1.75 } }, matrix(new Array(50).fill(0)), {
      calibration: "range",
    });
    const p = Array.from(predictProba(flat, matrix([0, 1], 50)));
    expect(p[0]).toBe(0);
    expect(p[1]).toBeGreaterThan(0.99);
    expect(Number.isFinite(p[1])).toBe(true);
  });
});

describe("RANGE local level (local_n)", () => {
  // quiet, then a permanent shift of +5 at row 1500
  const values = noise(2500, 5).map((x, i) => 10 + x + (i >= 1500 ? 5 : 0));

  it("a level shift scores at first, then becomes the new normal after half the local window", () => {
    const m = fitRange(matrix(values.slice(0, 1500)), { local_n: 36, trim: 0.01, widen: 1.75 });
    const raw = rangeScores(m, matrix(values));
    expect(raw[1500]).toBeGreaterThan(2); // far outside the envelope (which maps to raw <= 1; 1.075 alerts)
    expect(Math.max(...raw.slice(1520, 2500))).toBeLessThanOrEqual(1);
  });

  it("a drop after the shift, smaller than the shift, still scores", () => {
    const m = fitRange(matrix(values.slice(0, 1500)), { local_n: 36, trim: 0.01, widen: 1.75 });
    const after = values.slice();
    after[2000] -= 3; // back inside the range the old and the new level span together
    const raw = rangeScores(m, matrix(after));
    expect(raw[2000]).toBeGreaterThan(1.5);
    // a min-max level member has both levels in its range by then: 0
    const minmax = trainModel({ model_name: "RANGE", model_tag: "level" }, matrix(values.slice(0, 1990)), { calibration: "range" });
    expect(predictProba(minmax, matrix(after.slice(1990, 2001), 1990))[10]).toBe(0);
  });
});

describe("suppressRepeats: a new incident is not a repeat", () => {
  it("starts a new incident after score_suppress_quiet_n quiet points (JSDoc example)", () => {
    expect(quietBefore([0.9, 0, 0, 0, 0, 0, 0, 0.7], 6)).toEqual([false, false, false, false, false, false, false, true]);
    expect(quietBefore([0.9, 0, 0, 0.5, 0, 0, 0, 0.7], 6)).toEqual(new Array(8).fill(false));
  });

  it("keeps a lower score that starts a new incident, suppresses it while the incident goes on", () => {
    const s = [0.99, 0.8, 0, 0, 0, 0, 0, 0, 0.7, 0.6];
    const fresh = quietBefore(s, 6);
    expect(Array.from(suppressRepeats(s, 100))).toEqual([0.99, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(suppressRepeats(s, 100, undefined, fresh))).toEqual([0.99, 0, 0, 0, 0, 0, 0, 0, 0.7, 0]);
  });
});
