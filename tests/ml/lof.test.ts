// f/anomstack/ml/lof.ts against scikit-learn's LocalOutlierFactor(novelty=True) (pyod_reference.json).
import { describe, expect, it } from "vitest";
import { fromRows } from "../../f/anomstack/ml/matrix.ts";
import { fitLof, lofProblem, lofScores } from "../../f/anomstack/ml/lof.ts";
import { expectClose } from "./helpers.ts";
import { pyodReference } from "./pyod-reference.ts";

const ref = pyodReference().lof;

describe("LOF vs scikit-learn", () => {
  for (const [name, c] of Object.entries(ref.cases)) {
    it(`${name}: k, training and new-row scores to 1e-12`, () => {
      const d = ref.datasets[c.dataset];
      const fit = fitLof(fromRows(d.train), c.params);
      expect(fit.detector.k).toBe(c.k);
      expectClose(fit.trainScores, c.train_scores, 1e-12);
      expectClose(lofScores(fit.detector, fromRows(d.test)), c.test_scores, 1e-12);
    });
  }
});

describe("LOF behaviour", () => {
  it("an isolated row scores far above the rows of a dense cluster; threshold_ is the 90th percentile", () => {
    const rows = [[0], [0.1], [0.2], [0.3], [0.4], [0.5], [0.6], [0.7], [0.8], [0.9], [10]];
    const { trainScores, threshold } = fitLof(fromRows(rows), { n_neighbors: 3 });
    expect(trainScores[10]).toBeGreaterThan(5);
    for (let i = 0; i < 10; i++) expect(trainScores[i]).toBeLessThan(1.5);
    expect(trainScores.filter((s) => s > threshold).length).toBe(1); // the 90th percentile of 11 scores is the second largest
  });

  it("duplicates give finite scores (the 1e-10 regulariser)", () => {
    const { detector, trainScores } = fitLof(fromRows([[1], [1], [1], [1], [2]]), { n_neighbors: 2 });
    expect(Array.from(trainScores).every(Number.isFinite)).toBe(true);
    expect(Array.from(lofScores(detector, fromRows([[1], [5]]))).every(Number.isFinite)).toBe(true);
  });

  it("round-trips through JSON and validates its shape", () => {
    const { detector } = fitLof(fromRows(ref.datasets.small.train));
    const back = JSON.parse(JSON.stringify(detector));
    expect(Array.from(lofScores(back, fromRows(ref.datasets.small.test)))).toEqual(
      Array.from(lofScores(detector, fromRows(ref.datasets.small.test))),
    );
    expect(lofProblem(back, 2)).toBeUndefined();
    expect(lofProblem({ ...back, k: 99 }, 2)).toMatch(/detector.k/);
    expect(lofProblem({ ...back, lrd: [1] }, 2)).toMatch(/detector.lrd/);
  });

  it("rejects too few rows and wrong widths", () => {
    expect(() => fitLof(fromRows([[1]]))).toThrow(/LOF needs at least 2 rows, got 1/);
    const { detector } = fitLof(
      fromRows([
        [1, 2],
        [2, 3],
        [4, 4],
      ]),
    );
    expect(() => lofScores(detector, fromRows([[1]]))).toThrow(/model has 2 columns, X has 1/);
  });
});
