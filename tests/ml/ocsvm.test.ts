// f/anomstack/ml/ocsvm.ts against scikit-learn's OneClassSVM (LIBSVM) (pyod_reference.json).
import { describe, expect, it } from "vitest";
import { fromRows } from "../../f/anomstack/ml/matrix.ts";
import { fitOcsvm, ocsvmProblem, ocsvmScores, resolveGamma } from "../../f/anomstack/ml/ocsvm.ts";
import { expectClose } from "./helpers.ts";
import { pyodReference } from "./pyod-reference.ts";

const ref = pyodReference().ocsvm;

describe("OCSVM vs scikit-learn", () => {
  for (const [name, c] of Object.entries(ref.cases)) {
    it(`${name}: support vectors, dual coefficients, rho and scores`, () => {
      const d = ref.datasets[c.dataset];
      const X = fromRows(d.train);
      const { detector, trainScores } = fitOcsvm(X, c.params as never);
      expect(detector.converged).toBe(true);
      // The same support vectors (LIBSVM keeps them in training order) with the same coefficients.
      const sv = c.support.flatMap((i) => d.train[i]);
      expect(detector.sv).toEqual(sv);
      expectClose(detector.coef, c.dual_coef, 1e-12);
      expectClose([detector.rho], [c.rho], 1e-12);
      expectClose(trainScores, c.train_scores, 1e-12);
      expectClose(ocsvmScores(detector, fromRows(d.test)), c.test_scores, 1e-12);
    });
  }
});

describe("OCSVM behaviour", () => {
  it("nu bounds the share of margin errors (coefficient 1) from above and of support vectors from below", () => {
    const d = ref.datasets.blobs;
    for (const nu of [0.1, 0.5]) {
      const { detector } = fitOcsvm(fromRows(d.train), { nu });
      expect(detector.coef.filter((c) => c === 1).length).toBeLessThanOrEqual(nu * d.train.length);
      expect(detector.coef.length / d.train.length).toBeGreaterThanOrEqual(nu - 1e-9);
      const sum = detector.coef.reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(nu * d.train.length, 9);
    }
  });

  it("gamma: auto = 1 / features, scale = 1 / (features * variance), a constant matrix scales by 1", () => {
    const X = fromRows([
      [0, 2],
      [2, 4],
    ]);
    expect(resolveGamma("auto", X)).toBe(0.5);
    expect(resolveGamma("scale", X)).toBe(1 / (2 * 2));
    expect(resolveGamma("scale", fromRows([[3], [3]]))).toBe(1);
    expect(resolveGamma(0.25, X)).toBe(0.25);
  });

  it("max_iter stops the solver early and says so", () => {
    const { detector } = fitOcsvm(fromRows(ref.datasets.univariate.train), { max_iter: 5 });
    expect(detector.iterations).toBe(5);
    expect(detector.converged).toBe(false);
  });

  it("round-trips through JSON and validates its shape", () => {
    const d = ref.datasets.blobs;
    const { detector } = fitOcsvm(fromRows(d.train));
    const back = JSON.parse(JSON.stringify(detector));
    expect(Array.from(ocsvmScores(back, fromRows(d.test)))).toEqual(Array.from(ocsvmScores(detector, fromRows(d.test))));
    expect(ocsvmProblem(back, 3)).toBeUndefined();
    expect(ocsvmProblem({ ...back, kernel: "precomputed" }, 3)).toMatch(/kernel/);
    expect(ocsvmProblem({ ...back, sv: back.sv.slice(1) }, 3)).toMatch(/detector.sv/);
    expect(ocsvmProblem(back, 2)).toMatch(/cols/);
  });

  it("rejects bad parameters and input", () => {
    const X = fromRows([[0], [1], [2]]);
    expect(() => fitOcsvm(X, { nu: 0 })).toThrow(/nu must be in \(0, 1\]/);
    expect(() => fitOcsvm(X, { kernel: "precomputed" as never })).toThrow(/kernel must be one of/);
    expect(() => fitOcsvm(X, { gamma: -1 })).toThrow(/gamma/);
    expect(() => fitOcsvm(fromRows([[1]]))).toThrow(/OCSVM needs at least 2 rows/);
  });
});
