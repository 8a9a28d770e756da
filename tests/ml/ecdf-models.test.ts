// f/anomstack/ml/ecod.ts and copod.ts against numpy re-implementations of the papers (pyod_reference.json).
import { describe, expect, it } from "vitest";
import { fromRows } from "../../f/anomstack/ml/matrix.ts";
import { copodProblem, copodScores, copodTerm, fitCopod } from "../../f/anomstack/ml/copod.ts";
import { ecodProblem, ecodScores, ecodTerm, fitEcod } from "../../f/anomstack/ml/ecod.ts";
import { expectClose } from "./helpers.ts";
import { pyodReference } from "./pyod-reference.ts";

const ref = pyodReference().ecdf;

describe("ECOD and COPOD vs numpy", () => {
  for (const name of Object.keys(ref.datasets)) {
    it(`${name}: training scores and one-row-at-a-time scores to 1e-12`, () => {
      const d = ref.datasets[name];
      const X = fromRows(d.train);
      const T = fromRows(d.test);
      const ecod = fitEcod(X);
      expectClose(ecod.trainScores, ref.ecod[name].train_scores, 1e-12);
      expectClose(ecodScores(ecod.detector, T), ref.ecod[name].test_scores, 1e-12);
      const copod = fitCopod(X);
      expectClose(copod.trainScores, ref.copod[name].train_scores, 1e-12);
      expectClose(copodScores(copod.detector, T), ref.copod[name].test_scores, 1e-12);
    });
  }
});

describe("ECOD and COPOD behaviour", () => {
  it("per-feature terms follow PyOD's sign arithmetic", () => {
    expect(ecodTerm(1, 3, -1)).toBe(3); // max(U_l, U_r) whatever the skew
    expect(ecodTerm(1, 3, 0)).toBe(4); // zero skew: U_skew = U_l + U_r
    expect(copodTerm(1, 3, -1)).toBe(2); // max(U_l, mean)
    expect(copodTerm(1, 3, 1)).toBe(3); // max(U_r, mean)
    expect(copodTerm(1, 3, 0)).toBe(4);
  });

  it("a row's score does not depend on the other rows scored with it", () => {
    const d = ref.datasets.skewed;
    const m = fitEcod(fromRows(d.train)).detector;
    const all = ecodScores(m, fromRows(d.test));
    d.test.forEach((row, i) => {
      expect(ecodScores(m, fromRows([row]))[0]).toBe(all[i]);
    });
  });

  it("a value beyond the training range scores the largest tail: -ln(1 / (n + 1))", () => {
    const X = fromRows([[0], [1], [2], [3]]);
    const { detector } = fitEcod(X);
    expect(ecodScores(detector, fromRows([[100]]))[0]).toBeCloseTo(Math.log(5), 12);
  });

  it("threshold_ leaves about a contamination share of training rows above it", () => {
    const d = ref.datasets.skewed;
    const { trainScores, threshold } = fitCopod(fromRows(d.train), { contamination: 0.05 });
    expect(trainScores.filter((s) => s > threshold).length).toBe(10);
  });

  it("round-trip through JSON; shape checks", () => {
    const d = ref.datasets.constant;
    const { detector } = fitCopod(fromRows(d.train));
    const back = JSON.parse(JSON.stringify(detector));
    expect(Array.from(copodScores(back, fromRows(d.test)))).toEqual(Array.from(copodScores(detector, fromRows(d.test))));
    expect(copodProblem(back, 2)).toBeUndefined();
    expect(
      ecodProblem(
        {
          ...back,
          sorted: [
            [2, 1],
            [1, 1],
          ],
        },
        2,
      ),
    ).toMatch(/ascending/);
    expect(ecodProblem(back, 3)).toMatch(/3 columns/);
    expect(() => fitEcod(fromRows([[1]]))).toThrow(/ECOD needs at least 2 rows/);
  });
});
