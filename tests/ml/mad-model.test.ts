// f/anomstack/ml/mad-model.ts: PyOD's MAD as a model (the numpy reference of mad.ts, tests/fixtures/ml/reference.json).
import { describe, expect, it } from "vitest";
import { fromRows } from "../../f/anomstack/ml/matrix.ts";
import { fitMadModel, madModelScores, MAD_MAX_SCORE } from "../../f/anomstack/ml/mad-model.ts";
import { parseTrainedModel, predictProba, trainModel } from "../../f/anomstack/ml/detector.ts";
import { expectClose, reference } from "./helpers.ts";

describe("MAD model", () => {
  for (const [name, c] of Object.entries(reference().mad)) {
    it(`${name}: median, MAD and modified z-scores as numpy`, () => {
      const { detector } = fitMadModel(fromRows(c.train.map((x) => [x])));
      expect(detector.median).toBe(c.median);
      expect(detector.mad).toBe(c.mad);
      // numpy's nan_to_num(inf) (MAD 0) is capped at MAD_MAX_SCORE.
      expectClose(
        madModelScores(detector, fromRows(c.xs.map((x) => [x]))),
        c.scores.map((x) => Math.min(x, MAD_MAX_SCORE)),
        1e-15,
      );
    });
  }

  it("threshold_ is the threshold parameter (3.5 by default), not a percentile", () => {
    const X = fromRows([[1], [2], [3], [4], [100]]);
    expect(fitMadModel(X).threshold).toBe(3.5);
    const { threshold, trainScores } = fitMadModel(X, { threshold: 2 });
    expect(threshold).toBe(2);
    expect(Array.from(trainScores)).toEqual([1.349, 0.6745, 0, 0.6745, 65.4265]);
  });

  it("MAD 0: any departure scores MAD_MAX_SCORE (PyOD: 1.8e308), so every calibration gives finite probabilities", () => {
    const rows = Array.from({ length: 100 }, (_, i) => [i % 10 === 0 ? 2 : 1]);
    const X = fromRows(
      rows,
      rows.map((_, i) => i),
    );
    const { detector, trainScores } = fitMadModel(X);
    expect(detector.mad).toBe(0);
    expect(Math.max(...trainScores)).toBe(MAD_MAX_SCORE);
    for (const calibration of ["minmax", "range", "likelihood"] as const) {
      const m = trainModel({ model_name: "MAD", model_tag: "t" }, X, { calibration });
      const back = parseTrainedModel(JSON.stringify(m), "m.json");
      const p = predictProba(back, fromRows([[1], [2], [3]], [200, 201, 202]));
      expect(
        Array.from(p).every((x) => Number.isFinite(x) && x >= 0 && x <= 1),
        calibration,
      ).toBe(true);
      expect(p[0]).toBe(0);
    }
  });

  it("is univariate, as PyOD's MAD", () => {
    expect(() =>
      fitMadModel(
        fromRows([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toThrow(/univariate.*lags_n/);
  });
});
