// PyOD's PCA outlier detector (defaults: standardization, weighted, all components):
// fit = StandardScaler + scikit-learn PCA (the eigendecomposition by ml-pca); score =
// weighted distance to the components.
//nobundling

import { Matrix } from "ml-matrix";
import { PCA } from "ml-pca";
import { assertFiniteMatrix, type FeatureMatrix } from "./matrix.ts";

/** A fitted PCA detector; plain arrays only, so it survives a JSON round trip. */
export interface PcaModel {
  kind: "pca";
  version: 1;
  /** Per-feature offset subtracted before scoring (training mean, or 0s without standardization). */
  mean: number[];
  /** Per-feature divisor applied before scoring (population std, 1 for constant features / no standardization). */
  scale: number[];
  /** Kept unit components (rows), in descending order of explained variance. */
  components: number[][];
  /** Divisor of each kept component's distance (explained variance ratio, or 1 when unweighted). */
  weights: number[];
}

/** Optional PCA parameters (PyOD names and defaults). */
export interface PcaParams {
  /** Keep only the top-n components; null (default) keeps `min(rows, cols)` like scikit-learn. */
  n_components?: number | null;
  /** Divide each distance by the component's explained variance ratio (default true). */
  weighted?: boolean;
  /** Standardize features with the training mean / population std first (default true). */
  standardization?: boolean;
}

/** Components whose explained variance ratio is below this are dropped when weighted. */
export const PCA_MIN_VARIANCE_RATIO = 1e-12;

const EPS = 2.220446049250313e-16;

/**
 * Fits PyOD's `PCA` detector.
 *
 * 1. Standardization (scikit-learn `StandardScaler`): `mean_j`, population
 *    `std_j = sqrt(sum_i (x_ij - mean_j)^2 / n)`; a (near-)constant feature
 *    (`var <= n*eps*var + (n*mean*eps)^2`, scikit-learn's rule) gets scale 1.
 * 2. scikit-learn `PCA` (full fit): eigendecomposition of the covariance of the
 *    (standardized) centred data, by `ml-pca` (`isCovarianceMatrix`: ml-matrix's
 *    symmetric EVD); components = eigenvectors by descending eigenvalue `lambda_j`
 *    (scikit-learn's SVD gives the same `lambda_j = s_j^2 / (n - 1)` and vectors
 *    up to sign); sign rule of scikit-learn >= 1.5 (`svd_flip(u_based_decision=False)`),
 *    applied here because the decomposition's signs are arbitrary and the scores
 *    depend on them: each component is flipped so its first entry of largest |value|
 *    is positive; `n_components=None` keeps `min(rows, cols)` components.
 *    Not ml-pca's SVD of the data nor its `scale`: see docs/detection.md ("PCA:
 *    ml-pca on the covariance") for the speed figures, and step 1 for the scaling
 *    (ml-pca's divides by the sample std and rejects constant columns).
 * 3. Weights `w_j = lambda_j / sum(lambda)` (`explained_variance_ratio_`), or 1.
 *
 * Deviation (documented choice): when weighted, components with ratio below
 * {@link PCA_MIN_VARIANCE_RATIO} (constant or collinear features) are dropped
 * from the sum, where PyOD would divide by ~0 and return inf / huge scores; if
 * all variance is 0 no component is kept and every score is 0.
 * Without standardization PyOD scores the raw (uncentred) rows, so `mean` is 0.
 *
 * @throws Error on fewer than 2 rows, zero columns, non-finite values, or an
 *   `n_components` that is not an integer in `[1, min(rows, cols)]`.
 * @example
 * const m = fitPca(fromRows([[0, 0], [1, 1], [2, 2]]));
 * m.components; // [[0.7071067811865475, 0.7071067811865475]] (the second has ratio ~1e-16, dropped)
 * m.weights; // [0.9999999999999999] (the second eigenvalue is 4.4e-16, not 0: ml-matrix's EVD is exact to ~eps * largest)
 */
export function fitPca(X: FeatureMatrix, params: PcaParams = {}): PcaModel {
  assertFiniteMatrix(X, "PCA fit");
  const weighted = params.weighted ?? true;
  const standardization = params.standardization ?? true;
  const n = X.rows;
  const p = X.cols;
  if (n < 2) throw new Error(`PCA needs at least 2 rows, got ${n}`);
  if (p < 1) throw new Error("PCA needs at least 1 column");
  const maxComponents = Math.min(n, p);
  const nc = params.n_components ?? maxComponents;
  if (!Number.isInteger(nc) || nc < 1 || nc > maxComponents) {
    throw new Error(`PCA n_components must be an integer in [1, ${maxComponents}] (min(rows, cols)), got ${params.n_components}`);
  }
  const d = X.data;

  // Column means and corrected two-pass population variances.
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += d[i * p + j];
  for (let j = 0; j < p; j++) mean[j] /= n;
  const ss = new Float64Array(p);
  const sd = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      const c = d[i * p + j] - mean[j];
      ss[j] += c * c;
      sd[j] += c;
    }
  }
  const scale = new Float64Array(p).fill(1);
  if (standardization) {
    for (let j = 0; j < p; j++) {
      const v = (ss[j] - (sd[j] * sd[j]) / n) / n;
      const bound = n * EPS * v + (n * mean[j] * EPS) ** 2;
      scale[j] = v <= bound ? 1 : Math.sqrt(v);
    }
  }

  // Covariance of the (scaled) centred data, summed over the flat row-major array: handing
  // ml-pca the n x p data instead costs more than the whole fit (see docs/detection.md).
  const cov = new Float64Array(p * p);
  const z = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) z[j] = (d[i * p + j] - mean[j]) / scale[j];
    for (let a = 0; a < p; a++) {
      const za = z[a];
      if (za === 0) continue;
      for (let b = a; b < p; b++) cov[a * p + b] += za * z[b];
    }
  }
  for (let a = 0; a < p; a++) {
    for (let b = a; b < p; b++) {
      cov[a * p + b] /= n - 1;
      cov[b * p + a] = cov[a * p + b];
    }
  }

  const pca = new PCA(Matrix.from1DArray(p, p, cov), { isCovarianceMatrix: true });
  const vectors = pca.getEigenvectors(); // p x p, column k = component k
  const values = pca.getEigenvalues(); // descending
  let total = 0;
  for (const v of values) total += Math.max(v, 0);
  const components: number[][] = [];
  const weights: number[] = [];
  for (let k = 0; k < nc; k++) {
    const ratio = total > 0 ? Math.max(values[k], 0) / total : 0;
    if (weighted && !(ratio >= PCA_MIN_VARIANCE_RATIO)) continue;
    const v = vectors.getColumn(k);
    let arg = 0;
    for (let j = 1; j < p; j++) if (Math.abs(v[j]) > Math.abs(v[arg])) arg = j;
    if (v[arg] < 0) for (let j = 0; j < p; j++) v[j] = -v[j];
    components.push(v);
    weights.push(weighted ? ratio : 1);
  }
  return {
    kind: "pca",
    version: 1,
    mean: standardization ? Array.from(mean) : new Array<number>(p).fill(0),
    scale: Array.from(scale),
    components,
    weights,
  };
}

/**
 * PyOD `PCA.decision_function`:
 * `score(x) = sum_j ||z - v_j||_2 / w_j` with `z = (x - mean) / scale`, i.e.
 * `np.sum(cdist(X, selected_components_) / selected_w_components_, axis=1)`.
 * Training decision scores are `pcaScores(model, Xtrain)`.
 *
 * @throws Error when `X` has a different number of columns or non-finite values.
 * @example
 * const m = fitPca(fromRows([[0, 0], [1, 1], [2, 2]]));
 * Array.from(pcaScores(m, fromRows([[1, 1]]))); // [1]  (z = [0, 0]: distance 0.9999999999999999 to a unit vector, in floating point, / the weight)
 */
export function pcaScores(model: PcaModel, X: FeatureMatrix): Float64Array {
  assertFiniteMatrix(X, "PCA score");
  const p = model.mean.length;
  if (X.cols !== p) throw new Error(`PCA score: model has ${p} columns, X has ${X.cols}`);
  const nc = model.components.length;
  const comp = new Float64Array(nc * p);
  for (let k = 0; k < nc; k++) for (let j = 0; j < p; j++) comp[k * p + j] = model.components[k][j];
  const mean = Float64Array.from(model.mean);
  const scale = Float64Array.from(model.scale);
  const w = Float64Array.from(model.weights);
  const d = X.data;
  const out = new Float64Array(X.rows);
  const z = new Float64Array(p);
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < p; j++) z[j] = (d[i * p + j] - mean[j]) / scale[j];
    let s = 0;
    for (let k = 0; k < nc; k++) {
      let acc = 0;
      for (let j = 0; j < p; j++) {
        const diff = z[j] - comp[k * p + j];
        acc += diff * diff;
      }
      s += Math.sqrt(acc) / w[k];
    }
    out[i] = s;
  }
  return out;
}
