// Tests for f/anomstack/ml/mad.ts against numpy (PyOD MAD formula incl. nan_to_num),
// see tests/fixtures/ml/make_reference.py.

import { describe, expect, it } from "vitest";
import { fitMad, madScore, madScores, median } from "../../f/anomstack/ml/mad.ts";
import { reference } from "./helpers.ts";

const ref = reference().mad;

describe("MAD", () => {
  for (const [name, c] of Object.entries(ref)) {
    it(`matches numpy: ${name}`, () => {
      const m = fitMad(c.train);
      expect(m).toEqual({ median: c.median, mad: c.mad });
      expect(madScores(m, c.xs)).toEqual(c.scores);
    });
  }

  it("hand values", () => {
    expect(median([3, 1, 4, 1])).toBe(2);
    expect(median([5])).toBe(5);
    expect(fitMad([1, 2, 3, 4, 100])).toEqual({ median: 3, mad: 1 });
    expect(madScore({ median: 3, mad: 1 }, 5)).toBe(1.349);
    expect(madScores({ median: 3, mad: 1 }, [3, 1])).toEqual([0, 1.349]);
  });

  it("mad = 0: 0 at the median, Number.MAX_VALUE (numpy nan_to_num of inf) elsewhere", () => {
    const m = fitMad([5, 5, 5, 6]);
    expect(m.mad).toBe(0);
    expect(madScore(m, 5)).toBe(0);
    expect(madScore(m, 5.0001)).toBe(Number.MAX_VALUE);
    expect(madScore(m, -1e300)).toBe(Number.MAX_VALUE);
    expect(fitMad([7])).toEqual({ median: 7, mad: 0 });
  });

  it("overflowing scores are capped at Number.MAX_VALUE", () => {
    expect(madScore({ median: 0, mad: 1e-300 }, 1e300)).toBe(Number.MAX_VALUE);
  });

  it("rejects empty or non-finite input", () => {
    expect(() => fitMad([])).toThrow("MAD needs at least 1 training value, got 0");
    expect(() => fitMad([1, NaN])).toThrow(/non-finite training value NaN at index 1/);
    expect(() => madScore({ median: 0, mad: 1 }, Infinity)).toThrow(/non-finite value Infinity/);
    expect(() => madScores({ median: 0, mad: 1 }, [1, NaN])).toThrow(/at index 1/);
    expect(() => median([])).toThrow(/empty/);
  });
});
