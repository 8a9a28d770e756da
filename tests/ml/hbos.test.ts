// f/anomstack/ml/hbos.ts against a numpy re-implementation (numpy histograms; pyod_reference.json).
import { describe, expect, it } from "vitest";
import { fromRows } from "../../f/anomstack/ml/matrix.ts";
import { birgeRozenblacBins, fitHbos, hbosScores, histogram } from "../../f/anomstack/ml/hbos.ts";
import { pyodReference } from "./pyod-reference.ts";

const ref = pyodReference().hbos;

describe("HBOS vs numpy", () => {
  for (const [name, c] of Object.entries(ref.cases)) {
    it(`${name}: bin edges, densities and scores equal numpy's exactly`, () => {
      const d = ref.datasets[c.dataset];
      const { detector, trainScores } = fitHbos(fromRows(d.train), c.params as never);
      expect(detector.edges).toEqual(c.edges);
      expect(detector.density).toEqual(c.density);
      expect(Array.from(trainScores)).toEqual(c.train_scores);
      expect(Array.from(hbosScores(detector, fromRows(d.test)))).toEqual(c.test_scores);
    });
  }
});

describe("HBOS behaviour", () => {
  it("histogram: half-open bins, closed last bin, density integrates to 1", () => {
    const h = histogram([0, 1, 1, 2], 2);
    expect(h).toEqual({ edges: [0, 1, 2], counts: [1, 3], density: [0.25, 0.75] });
    expect(histogram([5, 5], 2).edges).toEqual([4.5, 5, 5.5]);
  });

  it("values outside the edges: within tol widths take the end bin, beyond it the rarest bin", () => {
    const { detector } = fitHbos(fromRows([[0], [1], [1], [1], [2], [2], [2], [2], [3], [10]]), { n_bins: 10 });
    const [inside, nearLow, farLow] = hbosScores(detector, fromRows([[0], [-0.4], [-0.6]]));
    expect(nearLow).toBe(inside); // 0.4 widths below the first edge: the first bin
    expect(farLow).toBeGreaterThan(inside); // 0.6 widths: the lowest density (an empty bin)
    expect(farLow).toBeCloseTo(-Math.log2(0.1), 12);
  });

  it("n_bins auto needs 4 rows; the candidate count grows with sqrt(n)", () => {
    expect(() => birgeRozenblacBins([1, 2, 3])).toThrow(/at least 4 rows/);
    expect(birgeRozenblacBins([1, 2, 3, 4])).toBe(1);
  });
});
