// Tests for f/anomstack/ml/kd-tree.ts: results must equal a brute-force scan bit
// for bit (random data, several sizes/dims/leaf sizes, duplicates and ties).

import { describe, expect, it } from "vitest";
import { KdTree } from "../../f/anomstack/ml/kd-tree.ts";
import { rng } from "./helpers.ts";

/** The kk smallest squared distances, same summation order as the tree. */
function brute(data: Float64Array, n: number, d: number, q: ArrayLike<number>, qOff: number, kk: number): number[] {
  const all = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let j = 0; j < d; j++) {
      const g = q[qOff + j] - data[i * d + j];
      acc += g * g;
    }
    all[i] = acc;
  }
  return Array.from(all.sort().subarray(0, kk));
}

function check(data: Float64Array, n: number, d: number, queries: Float64Array, leafSize: number, kks: number[]): void {
  const tree = new KdTree(data, n, d, leafSize);
  const nq = queries.length / d;
  for (const kk of kks) {
    const out = new Float64Array(kk);
    for (let i = 0; i < nq; i++) {
      tree.nearestSquared(queries, i * d, kk, out);
      const expected = brute(data, n, d, queries, i * d, kk);
      if (Array.from(out).some((x, m) => x !== expected[m])) {
        expect.fail(`n=${n} d=${d} leaf=${leafSize} kk=${kk} query ${i}: ${Array.from(out)} != ${expected}`);
      }
    }
  }
}

describe("KdTree", () => {
  it("JSDoc example", () => {
    const t = new KdTree(Float64Array.of(0, 0, 3, 4, 1, 0), 3, 2);
    const out = new Float64Array(2);
    t.nearestSquared(Float64Array.of(0, 0), 0, 2, out);
    expect(Array.from(out)).toEqual([0, 1]);
  });

  it("matches brute force exactly on random data", () => {
    const r = rng(42);
    for (const [n, d] of [
      [1, 1],
      [2, 3],
      [7, 2],
      [50, 1],
      [300, 3],
      [600, 6],
      [400, 10],
    ]) {
      const data = Float64Array.from({ length: n * d }, () => r() * 2 - 1);
      const queries = new Float64Array([...data.subarray(0, Math.min(n, 40) * d), ...Array.from({ length: 20 * d }, () => r() * 3 - 1.5)]);
      for (const leaf of [1, 3, 12, 64]) check(data, n, d, queries, leaf, [1, Math.min(n, 2), Math.min(n, 6), n]);
    }
  });

  it("matches brute force with duplicates, ties and identical points", () => {
    const r = rng(5);
    for (const [n, d] of [
      [200, 2],
      [300, 3],
      [120, 6],
    ]) {
      const data = Float64Array.from({ length: n * d }, () => Math.floor(r() * 3));
      const queries = Float64Array.from({ length: 50 * d }, () => Math.floor(r() * 7) / 2 - 0.5);
      for (const leaf of [2, 12]) check(data, n, d, new Float64Array([...data.subarray(0, 30 * d), ...queries]), leaf, [1, 6, 25]);
    }
    const same = new Float64Array(100 * 3).fill(1.25);
    check(same, 100, 3, Float64Array.of(1.25, 1.25, 1.25, 0, 0, 0), 4, [1, 10, 100]);
  });

  it("keeps the permutation and tree-ordered points consistent", () => {
    const r = rng(3);
    const data = Float64Array.from({ length: 500 * 4 }, () => r());
    const t = new KdTree(data, 500, 4);
    expect(Array.from(t.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    for (let i = 0; i < 500; i++) {
      for (let j = 0; j < 4; j++) expect(t.points[i * 4 + j]).toBe(data[t.index[i] * 4 + j]);
    }
  });

  it("rejects bad arguments", () => {
    expect(() => new KdTree([1, 2, 3], 2, 2)).toThrow(/bad shape/);
    expect(() => new KdTree([1, 2], 1, 2, 0)).toThrow(/bad leaf size/);
    const t = new KdTree([1, 2], 1, 2);
    expect(() => t.nearestSquared([0, 0], 0, 2, new Float64Array(2))).toThrow(/k=2 not in \[1, 1\]/);
    expect(() => t.nearestSquared([0, 0], 0, 1, new Float64Array(0))).toThrow(/output buffer/);
    expect(() => t.nearestSquared([0, NaN], 0, 1, new Float64Array(1))).toThrow(/non-finite query coordinate NaN at index 1/);
    expect(() => new KdTree([1, Infinity], 1, 2)).toThrow(/non-finite coordinate Infinity at index 1/);
  });
});

/** Every point's kk-th smallest squared distance to the other points, by brute force. */
function kthToOthers(data: Float64Array, n: number, d: number, kk: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    const others = brute(data, n, d, data, i * d, n).slice(1); // drop one 0: the point itself
    return others[kk - 1];
  });
}

describe("KdTree.minKthSquared / maxKthSquared (KNN calibration)", () => {
  const cases: [string, number, number, () => number][] = [];
  const r = rng(17);
  cases.push(["uniform 6-d", 700, 6, () => r()]);
  cases.push(["gaussian-ish 3-d", 500, 3, () => r() + r() + r()]);
  cases.push(["integer grid with many ties", 300, 2, () => Math.floor(r() * 6)]);
  cases.push(["one column", 200, 1, () => r() * 100]);
  cases.push(["10 columns", 300, 10, () => r() * 2 - 1]);
  for (const [name, n, d, draw] of cases) {
    const data = Float64Array.from({ length: n * d }, draw);
    for (const leaf of [1, 5, 12, 40]) {
      it(`${name}, leaf ${leaf}: equal the brute-force min and max for k = 1, 5, n - 1`, () => {
        const tree = new KdTree(data, n, d, leaf);
        for (const kk of [1, 5, n - 1]) {
          const all = kthToOthers(data, n, d, kk);
          expect(tree.minKthSquared(kk)).toBe(Math.min(...all));
          expect(tree.maxKthSquared(kk)).toBe(Math.max(...all));
        }
      });
    }
  }

  it("an outlier far from a tight cluster sets the max; a duplicate pair sets the min to 0 for k = 1", () => {
    const rows = [
      [0, 0],
      [0.1, 0],
      [0, 0.1],
      [0.1, 0.1],
      [0.05, 0.05],
      [9, 9],
    ];
    const tree = new KdTree(rows.flat(), rows.length, 2, 2);
    expect(tree.maxKthSquared(1)).toBe(kthToOthers(Float64Array.from(rows.flat()), 6, 2, 1)[5]);
    expect(tree.minKthSquared(1)).toBeCloseTo(0.005, 15);
    const dup = new KdTree([...rows.flat(), 0.05, 0.05], rows.length + 1, 2, 2);
    expect(dup.minKthSquared(1)).toBe(0);
  });

  it("all points identical: both are 0", () => {
    const tree = new KdTree(new Float64Array(40 * 3).fill(2.5), 40, 3, 4);
    expect(tree.minKthSquared(5)).toBe(0);
    expect(tree.maxKthSquared(5)).toBe(0);
  });

  it("rejects a k that leaves no k other points", () => {
    const tree = new KdTree([0, 1, 2], 3, 1);
    expect(() => tree.minKthSquared(3)).toThrow(/k=3 not in \[1, 2\]/);
    expect(() => tree.maxKthSquared(0)).toThrow(/k=0 not in \[1, 2\]/);
  });
});
