// Tests for f/anomstack/ml/eigen.ts: Jacobi eigendecomposition of symmetric matrices.

import { describe, expect, it } from "vitest";
import { symmetricEigen } from "../../f/anomstack/ml/eigen.ts";
import { rng } from "./helpers.ts";

function checkDecomposition(a: Float64Array, n: number): void {
  const { values, vectors } = symmetricEigen(a, n);
  let scale = 0;
  for (const x of a) scale = Math.max(scale, Math.abs(x));
  for (let r = 0; r < n; r++) {
    if (r > 0) expect(values[r]).toBeLessThanOrEqual(values[r - 1]);
    for (let s = 0; s < n; s++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += vectors[r * n + k] * vectors[s * n + k];
      expect(Math.abs(dot - (r === s ? 1 : 0))).toBeLessThan(1e-13);
    }
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let k = 0; k < n; k++) av += a[i * n + k] * vectors[r * n + k];
      expect(Math.abs(av - values[r] * vectors[r * n + i])).toBeLessThan(1e-13 * Math.max(1, scale));
    }
  }
}

describe("symmetricEigen", () => {
  it("2x2 example", () => {
    const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
    expect(Array.from(values)).toEqual([3, 1]);
    expect(Math.abs(Math.abs(vectors[0]) - Math.SQRT1_2)).toBeLessThan(1e-15);
  });

  it("diagonal, zero and identity matrices", () => {
    const d = symmetricEigen(Float64Array.of(1, 0, 0, 0, 5, 0, 0, 0, 3), 3);
    expect(Array.from(d.values)).toEqual([5, 3, 1]);
    expect(Array.from(d.vectors)).toEqual([0, 1, 0, 0, 0, 1, 1, 0, 0]);
    expect(Array.from(symmetricEigen(new Float64Array(4), 2).values)).toEqual([0, 0]);
    checkDecomposition(Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), 3);
  });

  it("random symmetric matrices satisfy A v = lambda v with orthonormal v", () => {
    const r = rng(7);
    for (const n of [1, 2, 3, 6, 12]) {
      for (let rep = 0; rep < 5; rep++) {
        const a = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = (r() - 0.5) * 10;
        checkDecomposition(a, n);
      }
    }
  });

  it("rank-deficient covariance (Gram matrix) keeps tiny eigenvalues tiny", () => {
    // v v^T + w w^T in 4-D: rank 2, two zero eigenvalues.
    const v = [1, 2, 3, 4];
    const w = [0.5, -1, 0.25, 2];
    const a = new Float64Array(16);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) a[i * 4 + j] = v[i] * v[j] + w[i] * w[j];
    const { values } = symmetricEigen(a, 4);
    expect(Math.abs(values[2])).toBeLessThan(1e-14 * values[0]);
    expect(Math.abs(values[3])).toBeLessThan(1e-14 * values[0]);
    checkDecomposition(a, 4);
  });

  it("rejects bad input", () => {
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(/expected 4 entries/);
    expect(() => symmetricEigen([1, NaN, NaN, 1], 2)).toThrow(/non-finite/);
  });
});
