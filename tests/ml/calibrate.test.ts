// Tests for f/anomstack/ml/calibrate.ts: PyOD predict_proba "linear"
// (scikit-learn MinMaxScaler fitted on training scores, clipped to [0, 1]).

import { describe, expect, it } from "vitest";
import { calibrate, fitCalibration } from "../../f/anomstack/ml/calibrate.ts";

describe("calibration", () => {
  it("fits min/max and scales linearly", () => {
    const c = fitCalibration([3, 1, 2]);
    expect(c).toEqual({ min: 1, max: 3 });
    expect(Array.from(calibrate(c, [1, 2, 3, 2.5]))).toEqual([0, 0.5, 1, 0.75]);
    expect(fitCalibration(Float64Array.of(0.5, -2))).toEqual({ min: -2, max: 0.5 });
  });

  it("clips to [0, 1] (including infinities)", () => {
    expect(Array.from(calibrate({ min: 1, max: 3 }, [0, 2, 5, -Infinity, Infinity]))).toEqual([0, 0.5, 1, 0, 1]);
  });

  it("uses scikit-learn's operation order: s * scale + (0 - min * scale)", () => {
    const c = { min: 0.1, max: 0.7 };
    const scale = 1 / (0.7 - 0.1);
    const offset = 0 - 0.1 * scale;
    expect(Array.from(calibrate(c, [0.3, 0.45, 0.6]))).toEqual([0.3 * scale + offset, 0.45 * scale + offset, 0.6 * scale + offset]);
  });

  it("max == min: range treated as 1", () => {
    const c = fitCalibration([2, 2, 2]);
    expect(c).toEqual({ min: 2, max: 2 });
    expect(Array.from(calibrate(c, [1.5, 2, 2.25, 4]))).toEqual([0, 0, 0.25, 1]);
    // ranges below 10 * eps count as constant too (_handle_zeros_in_scale)
    expect(Array.from(calibrate({ min: 1, max: 1 + 4.440892098500626e-16 }, [1.5]))).toEqual([0.5]);
  });

  it("rejects bad input", () => {
    expect(() => fitCalibration([])).toThrow(/at least 1 training score/);
    expect(() => fitCalibration([1, NaN])).toThrow(/non-finite training score NaN at index 1/);
    expect(() => calibrate({ min: 0, max: 1 }, [0.5, NaN])).toThrow(/NaN score at index 1/);
    expect(() => calibrate({ min: 2, max: 1 }, [0.5])).toThrow(/invalid min\/max/);
  });
});
