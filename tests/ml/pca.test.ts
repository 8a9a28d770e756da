// Tests for f/anomstack/ml/pca.ts against tests/fixtures/ml/reference.json
// (numpy SVD + scikit-learn sign rule + PyOD's cdist formula, see make_reference.py).

import { describe, expect, it } from "vitest";
import { fromRows } from "../../f/anomstack/ml/matrix.ts";
import { fitPca, pcaScores } from "../../f/anomstack/ml/pca.ts";
import { expectClose, reference } from "./helpers.ts";

const ref = reference().pca;

describe("fitPca / pcaScores vs numpy reference", () => {
  for (const [name, c] of Object.entries(ref.cases)) {
    it(name, () => {
      const data = ref.datasets[c.dataset];
      const X = fromRows(data.train);
      const m = fitPca(X, c.params);
      expect(m.kind).toBe("pca");
      expect(m.version).toBe(1);
      expectClose(m.mean, c.mean, 1e-12);
      expectClose(m.scale, c.scale, 1e-12);
      expect(m.components.length).toBe(c.components.length);
      m.components.forEach((v, k) => {
        expectClose(v, c.components[k], 1e-9);
      });
      expectClose(m.weights, c.weights, 1e-9);
      expectClose(pcaScores(m, X), c.train_scores, 1e-9);
      expectClose(pcaScores(m, fromRows(data.test)), c.test_scores, 1e-9);
    });
  }

  it("constant column: scale 1, zero-variance component dropped, finite scores", () => {
    const c = ref.cases.constant_column;
    expect(c.scale[2]).toBe(1);
    expect(c.all_ratios[3]).toBe(0); // PyOD would divide by 0 here
    const m = fitPca(fromRows(ref.datasets.constant_column.train));
    expect(m.scale[2]).toBe(1);
    expect(m.components.length).toBe(3);
    expect(pcaScores(m, fromRows(ref.datasets.constant_column.test)).every(Number.isFinite)).toBe(true);
  });

  it("collinear and wide data: ~0-variance components dropped", () => {
    expect(ref.cases.collinear.all_ratios[2]).toBeLessThan(1e-30);
    expect(fitPca(fromRows(ref.datasets.collinear.train)).components.length).toBe(2);
    const wide = fitPca(fromRows(ref.datasets.wide.train));
    expect(wide.components.length).toBe(2); // 3 rows -> rank 2 after centring
    expect(wide.components[0].length).toBe(5);
  });
});

describe("fitPca behaviour", () => {
  it("JSDoc example", () => {
    const m = fitPca(
      fromRows([
        [0, 0],
        [1, 1],
        [2, 2],
      ]),
    );
    expect(m.components).toEqual([[0.7071067811865475, 0.7071067811865475]]);
    expect(m.weights).toEqual([0.9999999999999999]);
    expect(Array.from(pcaScores(m, fromRows([[1, 1]])))).toEqual([1]);
  });

  it("all-constant data keeps no component and scores 0", () => {
    const m = fitPca(
      fromRows([
        [3, 1],
        [3, 1],
        [3, 1],
      ]),
    );
    expect(m.components).toEqual([]);
    expect(m.scale).toEqual([1, 1]);
    expect(
      Array.from(
        pcaScores(
          m,
          fromRows([
            [3, 1],
            [10, -4],
          ]),
        ),
      ),
    ).toEqual([0, 0]);
  });

  it("unweighted keeps zero-variance components (finite, as PyOD)", () => {
    const m = fitPca(
      fromRows([
        [0, 0],
        [1, 1],
        [2, 2],
      ]),
      { weighted: false },
    );
    expect(m.components.length).toBe(2);
    expect(m.weights).toEqual([1, 1]);
  });

  it("survives a JSON round trip", () => {
    const X = fromRows(ref.datasets.mixed.train);
    const m = fitPca(X);
    const back = JSON.parse(JSON.stringify(m));
    expect(back).toEqual(m);
    expect(Array.from(pcaScores(back, X))).toEqual(Array.from(pcaScores(m, X)));
  });

  it("rejects bad input", () => {
    expect(() => fitPca(fromRows([[1, 2]]))).toThrow(/at least 2 rows, got 1/);
    expect(() =>
      fitPca(
        fromRows([
          [1, NaN],
          [1, 2],
        ]),
      ),
    ).toThrow(/non-finite value NaN at row 0/);
    const X = fromRows([
      [0, 1],
      [1, 3],
      [2, 2],
    ]);
    expect(() => fitPca(X, { n_components: 3 })).toThrow(/n_components must be an integer in \[1, 2\]/);
    expect(() => fitPca(X, { n_components: 0 })).toThrow(/n_components/);
    expect(() => fitPca(X, { n_components: 1.5 })).toThrow(/n_components/);
    expect(() => pcaScores(fitPca(X), fromRows([[1, 2, 3]]))).toThrow(/model has 2 columns, X has 3/);
  });
});
