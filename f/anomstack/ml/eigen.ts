// Symmetric eigendecomposition by the cyclic Jacobi method, for the small
// (features x features) covariance matrices of the PCA detector.

/** Result of {@link symmetricEigen}: `values[i]` belongs to row `vectors[i]` (unit length). */
export interface SymmetricEigen {
  /** Eigenvalues in descending order (ties keep input order). */
  values: Float64Array;
  /** Row-major `n x n`: row `i` is the unit eigenvector of `values[i]`. */
  vectors: Float64Array;
}

/**
 * Eigendecomposition `A = V diag(lambda) V^T` of a symmetric `n x n` matrix
 * (row-major; only the upper triangle is read) by cyclic Jacobi rotations.
 * Each rotation zeroes `a_pq` with `theta = (a_qq - a_pp) / (2 a_pq)`,
 * `t = sign(theta) / (|theta| + sqrt(theta^2 + 1))`, `c = 1/sqrt(1 + t^2)`, `s = t c`.
 * Jacobi is accurate for small eigenvalues, which matters because PCA divides
 * by them. Same result (up to eigenvector signs) as `numpy.linalg.eigh`.
 * Sweeps stop when every off-diagonal entry is negligible next to its diagonal
 * pair (or exactly 0); at most 100 sweeps.
 *
 * @throws Error when `a.length !== n * n` or an entry is non-finite.
 * @example
 * const { values } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
 * Array.from(values); // [3, 1]
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`symmetricEigen: expected ${n * n} entries, got ${a.length}`);
  const A = new Float64Array(n * n);
  for (let p = 0; p < n; p++) {
    for (let q = p; q < n; q++) {
      const x = a[p * n + q];
      if (!Number.isFinite(x)) throw new Error(`symmetricEigen: non-finite entry at (${p}, ${q})`);
      A[p * n + q] = x;
      A[q * n + p] = x;
    }
  }
  const V = new Float64Array(n * n); // columns are eigenvectors
  for (let i = 0; i < n; i++) V[i * n + i] = 1;

  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const app = A[p * n + p];
        const aqq = A[q * n + q];
        const g = 100 * Math.abs(apq);
        if (Math.abs(app) + g === Math.abs(app) && Math.abs(aqq) + g === Math.abs(aqq)) {
          A[p * n + q] = 0;
          A[q * n + p] = 0;
          continue;
        }
        rotated = true;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          if (k === p || k === q) continue;
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          const nkp = c * akp - s * akq;
          const nkq = s * akp + c * akq;
          A[k * n + p] = nkp;
          A[p * n + k] = nkp;
          A[k * n + q] = nkq;
          A[q * n + k] = nkq;
        }
        A[p * n + p] = app - t * apq;
        A[q * n + q] = aqq + t * apq;
        A[p * n + q] = 0;
        A[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
    if (!rotated) break;
  }

  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((i, j) => A[j * n + j] - A[i * n + i] || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    const c = order[r];
    values[r] = A[c * n + c];
    for (let k = 0; k < n; k++) vectors[r * n + k] = V[k * n + c];
  }
  return { values, vectors };
}
