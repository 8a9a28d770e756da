// f/anomstack/ml/mad-model.ts: PyOD's MAD as a model (the numpy reference of mad.ts, tests/fixtures/ml/reference.json).
import { describe, expect, it } from "vitest";
import { fromRows } from "../../f/anomstack/ml/matrix.ts";
import { fitMadModel, madModelScores } from "../../f/anomstack/ml/mad-model.ts";
import { expectClose, reference } from "./helpers.ts";

describe("MAD model", () => {
  for (const [name, c] of Object.entries(reference().mad)) {
    it(`${name}: median, MAD and modified z-scores as numpy`, () => {
      const { detector } = fitMadModel(fromRows(c.train.map((x) => [x])));
      expect(detector.median).toBe(c.median);
      expect(detector.mad).toBe(c.mad);
      expectClose(madModelScores(detector, fromRows(c.xs.map((x) => [x]))), c.scores, 1e-15);
    });
  }

  it("threshold_ is the threshold parameter (3.5 by default), not a percentile", () => {
    const X = fromRows([[1], [2], [3], [4], [100]]);
    expect(fitMadModel(X).threshold).toBe(3.5);
    const { threshold, trainScores } = fitMadModel(X, { threshold: 2 });
    expect(threshold).toBe(2);
    expect(Array.from(trainScores)).toEqual([1.349, 0.6745, 0, 0.6745, 65.4265]);
  });

  it("is univariate, as PyOD's MAD", () => {
    expect(() => fitMadModel(fromRows([[1, 2], [3, 4]]))).toThrow(/univariate.*lags_n/);
  });
});
