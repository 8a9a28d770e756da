// f/anomstack/ml/pyod-base.ts (numpy percentile, PyOD threshold_) and random.ts (the seeded generator).
import { describe, expect, it } from "vitest";
import { percentile, pyodThreshold } from "../../f/anomstack/ml/pyod-base.ts";
import { Rng } from "../../f/anomstack/ml/random.ts";
import { pyodReference } from "./pyod-reference.ts";

describe("percentile vs numpy", () => {
  it("equals numpy.percentile (linear) bit for bit", () => {
    const { values, q } = pyodReference().percentile;
    for (const [k, v] of Object.entries(q)) expect(percentile(values, Number(k))).toBe(v);
  });

  it("threshold_ = percentile(scores, 100 * (1 - contamination))", () => {
    expect(pyodThreshold([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.1)).toBeCloseTo(9.1, 12);
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(() => percentile([], 50)).toThrow(/empty/);
    expect(() => percentile([1], 101)).toThrow(/q must be in/);
  });
});

describe("Rng", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const xs = Array.from({ length: 5 }, () => a.random());
    expect(Array.from({ length: 5 }, () => b.random())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.random())).not.toEqual(xs);
  });

  it("draws uniform doubles in [0, 1) and unbiased integers", () => {
    const r = new Rng(1);
    const counts = new Array(10).fill(0);
    let sum = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const u = r.random();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      counts[r.int(10)]++;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    // chi-square with 9 degrees of freedom: 27.9 is its 99.9% quantile
    const chi = counts.reduce((a, k) => a + (k - n / 10) ** 2 / (n / 10), 0);
    expect(chi).toBeLessThan(27.9);
  });

  it("permutation and sample return distinct indices", () => {
    const r = new Rng(3);
    const p = Array.from(r.permutation(50)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const s = r.sample(100, 30);
    expect(new Set(s).size).toBe(30);
    expect(Array.from(s).every((x) => x >= 0 && x < 100)).toBe(true);
    expect(() => r.sample(3, 4)).toThrow(/k must be/);
    expect(() => new Rng(-1)).toThrow(/non-negative integer/);
  });
});
