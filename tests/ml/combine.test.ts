// Tests for f/anomstack/ml/combine.ts: row-wise mean / max / min of model probabilities.

import { describe, expect, it } from "vitest";
import { COMBINATION_METHODS, combineProbabilities, type CombinationMethod } from "../../f/anomstack/ml/combine.ts";

describe("combineProbabilities", () => {
  const a = Float64Array.of(0.2, 1, 0);
  const b = Float64Array.of(0.6, 0, 0.3);
  const c = Float64Array.of(0.1, 0.5, 0.9);

  it("mean / max / min row-wise", () => {
    expect(COMBINATION_METHODS).toEqual(["mean", "max", "min"]);
    expect(Array.from(combineProbabilities([a, b], "mean"))).toEqual([0.4, 0.5, 0.15]);
    expect(Array.from(combineProbabilities([a, b, c], "mean"))).toEqual([(0.2 + 0.6 + 0.1) / 3, 1.5 / 3, 1.2 / 3]);
    expect(Array.from(combineProbabilities([a, b, c], "max"))).toEqual([0.6, 1, 0.9]);
    expect(Array.from(combineProbabilities([a, b, c], "min"))).toEqual([0.1, 0, 0]);
  });

  it("a single model is returned as a copy", () => {
    const out = combineProbabilities([a], "mean");
    expect(Array.from(out)).toEqual([0.2, 1, 0]);
    out[0] = 9;
    expect(a[0]).toBe(0.2);
    expect(combineProbabilities([new Float64Array(0), new Float64Array(0)], "max").length).toBe(0);
  });

  it("rejects bad input", () => {
    expect(() => combineProbabilities([], "mean")).toThrow(/at least one model/);
    expect(() => combineProbabilities([a], "median" as CombinationMethod)).toThrow(
      'unknown combination method "median"; expected one of mean, max, min',
    );
    expect(() => combineProbabilities([a, Float64Array.of(1)], "max")).toThrow(/model 1 has 1 rows, model 0 has 3/);
  });
});
