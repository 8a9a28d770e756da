// Tests for f/anomstack/ml/knn.ts against scipy cKDTree references
// (tests/fixtures/ml/make_reference.py) and an in-test brute force.

import { describe, expect, it } from "vitest";
import { buildKnn, fitKnn, knnScores, knnTrainScoreRange, SCAN_MAX_ROWS, type KnnModel } from "../../f/anomstack/ml/knn.ts";
import { KdTree } from "../../f/anomstack/ml/kd-tree.ts";
import { fromRows } from "../../f/anomstack/ml/matrix.ts";
import { expectClose, reference, rng } from "./helpers.ts";

const ref = reference().knn;

describe("fitKnn / knnScores vs scipy cKDTree", () => {
  for (const [name, c] of Object.entries(ref.cases)) {
    it(name, () => {
      const data = ref.datasets[c.dataset];
      const { model, trainScores } = fitKnn(fromRows(data.train), { n_neighbors: c.k, method: c.method });
      expect(model).toMatchObject({ kind: "knn", version: 1, k: c.k, method: c.method, cols: data.train[0].length });
      expectClose(trainScores, c.train_scores, 1e-12);
      expectClose(knnScores(model, fromRows(data.test)), c.test_scores, 1e-12);
    });
  }
});

/** PyOD semantics by brute force: k-th smallest distance (self excluded for training rows). */
function bruteLargest(train: number[][], queries: number[][], k: number, excludeSelf: boolean): number[] {
  return queries.map((q, qi) => {
    const ds: number[] = [];
    train.forEach((p, i) => {
      if (excludeSelf && i === qi) return;
      let acc = 0;
      for (let j = 0; j < q.length; j++) acc += (q[j] - p[j]) ** 2;
      ds.push(Math.sqrt(acc));
    });
    return ds.sort((a, b) => a - b)[k - 1];
  });
}

describe("KNN semantics", () => {
  it("JSDoc examples", () => {
    const { model, trainScores } = fitKnn(fromRows([[0], [1], [3], [6]]), { n_neighbors: 1 });
    expect(Array.from(trainScores)).toEqual([1, 1, 2, 3]);
    expect(Array.from(knnScores(model, fromRows([[1], [10]])))).toEqual([0, 4]);
  });

  it("a row is not its own neighbour, but its duplicates are", () => {
    const X = fromRows([
      [0, 0],
      [0, 0],
      [3, 4],
    ]);
    const { model, trainScores } = fitKnn(X, { n_neighbors: 1 });
    expect(Array.from(trainScores)).toEqual([0, 0, 5]);
    expect(Array.from(knnScores(model, X))).toEqual([0, 0, 0]);
    expect(Array.from(fitKnn(X, { n_neighbors: 2 }).trainScores)).toEqual([5, 5, 5]);
  });

  it("equals brute force on random data (train and test)", () => {
    const r = rng(11);
    for (const [n, d, k] of [
      [30, 1, 1],
      [150, 2, 5],
      [400, 6, 5],
      [300, 4, 12],
    ]) {
      const train = Array.from({ length: n }, () => Array.from({ length: d }, () => Math.round(r() * 40) / 8));
      const test = Array.from({ length: 25 }, () => Array.from({ length: d }, () => r() * 6 - 0.5));
      const { model, trainScores } = fitKnn(fromRows(train), { n_neighbors: k });
      expectClose(trainScores, bruteLargest(train, train, k, true), 1e-15);
      expectClose(knnScores(model, fromRows(test)), bruteLargest(train, test, k, false), 1e-15);
    }
  });

  it("needs k+1 rows", () => {
    const rows = [[0], [1], [2], [3], [4]];
    expect(() => fitKnn(fromRows(rows))).toThrow("KNN needs at least k+1 rows (n_neighbors=5, so 6), got 5");
    expect(fitKnn(fromRows([...rows, [5]])).trainScores.length).toBe(6);
    expect(() => fitKnn(fromRows([[1]]), { n_neighbors: 1 })).toThrow(/got 1/);
  });

  it("rejects bad params and shapes", () => {
    const X = fromRows([[0], [1], [2]]);
    expect(() => fitKnn(X, { n_neighbors: 0 })).toThrow(/n_neighbors must be a positive integer/);
    expect(() => fitKnn(X, { n_neighbors: 1, method: "max" as "mean" })).toThrow(/method must be one of largest, mean, median, got "max"/);
    expect(() => fitKnn(fromRows([[0], [NaN], [1]]), { n_neighbors: 1 })).toThrow(/non-finite value NaN at row 1/);
    const { model } = fitKnn(X, { n_neighbors: 1 });
    expect(() => knnScores(model, fromRows([[1, 2]]))).toThrow(/model has 1 columns, X has 2/);
  });

  it("survives a JSON round trip (tree rebuilt for the parsed model)", () => {
    const data = ref.datasets.normal;
    const { model } = fitKnn(fromRows(data.train));
    const back = JSON.parse(JSON.stringify(model)) as KnnModel;
    expect(back).toEqual(model);
    const T = fromRows(data.test);
    expect(Array.from(knnScores(back, T))).toEqual(Array.from(knnScores(model, T)));
  });
});

describe("knnTrainScoreRange (calibration without scoring every row)", () => {
  const cases: [string, number[][]][] = [];
  const r = rng(11);
  cases.push(["random 6-d", Array.from({ length: 800 }, () => Array.from({ length: 6 }, () => r()))]);
  cases.push([
    "clustered with an outlier",
    Array.from({ length: 400 }, (_, i) => (i === 7 ? [50, 50, 50] : [Math.floor(i / 50) + r() * 0.01, r(), r() * 3])),
  ]);
  cases.push(["many duplicates", Array.from({ length: 300 }, (_, i) => [i % 4, (i % 4) * 2])]);
  cases.push(["one column", Array.from({ length: 200 }, () => [r() * 100])]);
  for (const [name, rows] of cases) {
    for (const method of ["largest", "mean", "median"] as const) {
      it(`${name}, ${method}: equals the min and max of every training score, exactly`, () => {
        const X = fromRows(rows);
        const { trainScores } = fitKnn(X, { method });
        const range = knnTrainScoreRange(buildKnn(X, { method }));
        expect(range).toEqual({ min: Math.min(...trainScores), max: Math.max(...trainScores) });
      });
    }
  }

  it("kthSquared: a bound limits the search, stopAt ends it early", () => {
    const tree = new KdTree(Float64Array.of(0, 1, 3, 6, 10), 5, 1);
    const q = Float64Array.of(0);
    expect(tree.kthSquared(q, 0, 2, Infinity, -1)).toBe(1); // distances 0, 1, 9, 36, 100
    expect(tree.kthSquared(q, 0, 3, Infinity, -1)).toBe(9);
    expect(tree.kthSquared(q, 0, 3, 4, -1)).toBe(4); // only 2 points closer than the bound: the bound comes back
    expect(tree.kthSquared(q, 0, 3, 10, -1)).toBe(9);
    expect(tree.kthSquared(q, 0, 3, Infinity, 50)).toBeLessThanOrEqual(50);
  });
});

describe("scoring a few rows scans instead of building a tree", () => {
  it("gives the tree's exact scores", () => {
    const r = rng(5);
    const train = fromRows(Array.from({ length: 500 }, () => Array.from({ length: 4 }, () => r())));
    const test = fromRows(Array.from({ length: SCAN_MAX_ROWS }, () => Array.from({ length: 4 }, () => r())));
    const { model } = fitKnn(train);
    const viaTree = knnScores(model, test); // fitKnn cached a tree
    const fresh = JSON.parse(JSON.stringify(model)) as KnnModel; // no tree: scans
    expect(Array.from(knnScores(fresh, test))).toEqual(Array.from(viaTree));
  });
});
