// PyOD's HBOS detector (Goldstein & Dengel 2012, "Histogram-based Outlier Score"): one equal-width
// histogram per feature; a row's score is minus the sum of log2(density + alpha) of its bins.
//nobundling

import { checkScore, checkTrain, pyodThreshold, DEFAULT_CONTAMINATION, type PyodFit } from "./pyod-base.ts";
import type { FeatureMatrix } from "./matrix.ts";

/** A fitted HBOS model (JSON-safe): per feature, its bin edges and densities. */
export interface HbosDetector {
  kind: "hbos";
  version: 1;
  alpha: number;
  tol: number;
  /** `edges[j]`: the `bins_j + 1` ascending bin edges of feature j (numpy `histogram` edges). */
  edges: number[][];
  /** `density[j]`: the `bins_j` densities of feature j (numpy `histogram(density=True)`). */
  density: number[][];
}

/** PyOD `HBOS` parameters. */
export interface HbosParams {
  /** Bins per feature (default 10), or "auto": Birgé-Rozenblac's choice per feature. */
  n_bins?: number | "auto";
  /** Added to each density before the log2, so an empty bin stays finite (default 0.1). */
  alpha?: number;
  /** A value below the first (above the last) edge by at most `tol` bin widths counts in that bin (default 0.5). */
  tol?: number;
  contamination?: number;
}

/**
 * numpy `histogram(values, bins, density=True)`: edges `linspace(min, max, bins + 1)` (min - 0.5 and
 * max + 0.5 for a constant column), counts with half-open bins `[e_k, e_k+1)` and a closed last bin
 * (numpy's index computation and its one-step edge correction), densities `count / width / n`.
 * @example histogram([0, 1, 1, 2], 2); // { edges: [0, 1, 2], counts: [1, 3], density: [0.25, 0.75] }
 */
export function histogram(values: ArrayLike<number>, bins: number): { edges: number[]; counts: number[]; density: number[] } {
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < first) first = values[i];
    if (values[i] > last) last = values[i];
  }
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const step = (last - first) / bins;
  const edges = new Array<number>(bins + 1);
  for (let k = 0; k < bins; k++) edges[k] = k * step + first;
  edges[bins] = last;
  const counts = new Array<number>(bins).fill(0);
  const denom = last - first;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    let k = Math.floor(((x - first) / denom) * bins);
    if (k === bins) k--;
    if (x < edges[k]) k--;
    else if (x >= edges[k + 1] && k !== bins - 1) k++;
    counts[k]++;
  }
  const n = values.length;
  const density = counts.map((c, k) => c / (edges[k + 1] - edges[k]) / n);
  return { edges, counts, density };
}

/**
 * PyOD `get_optimal_n_bins` (Birgé & Rozenblac 2006): the `b` in `1 .. floor(sqrt(n)) - 1` that
 * maximises `sum_k [N_k ln(b N_k / n + 1) - (b - 1 + ln(b)^2.5)]` over the counts `N_k` of a
 * `b`-bin histogram (the first on ties).
 * @throws Error when n < 4 (no candidate).
 */
export function birgeRozenblacBins(values: ArrayLike<number>): number {
  const n = values.length;
  const upper = Math.floor(Math.sqrt(n));
  if (upper < 2) throw new Error(`HBOS n_bins "auto" needs at least 4 rows, got ${n}`);
  let best = 1;
  let bestValue = -Infinity;
  for (let b = 1; b < upper; b++) {
    const { counts } = histogram(values, b);
    const penalty = b - 1 + Math.log(b) ** 2.5;
    let s = 0;
    for (const c of counts) s += c * Math.log((b * c) / n + 1) - penalty;
    if (s > bestValue) {
      bestValue = s;
      best = b;
    }
  }
  return best;
}

/**
 * Fits PyOD `HBOS(n_bins=10, alpha=0.1, tol=0.5)`: a numpy histogram of each feature of the training
 * rows; `decision_scores_` are {@link hbosScores} of the training rows, `threshold_` their
 * `(1 - contamination)` percentile.
 *
 * @throws Error on non-finite values, no rows, or n_bins "auto" with fewer than 4 rows.
 * @example
 * const { detector } = fitHbos(fromRows([[0], [1], [1], [2]]), { n_bins: 2 });
 * detector.density; // [[0.25, 0.75]]
 */
export function fitHbos(X: FeatureMatrix, params: HbosParams = {}): PyodFit<HbosDetector> {
  checkTrain(X, "HBOS", 1);
  const nBins = params.n_bins ?? 10;
  const { rows: n, cols: p, data } = X;
  const edges: number[][] = [];
  const density: number[][] = [];
  const col = new Float64Array(n);
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < n; i++) col[i] = data[i * p + j];
    const bins = nBins === "auto" ? birgeRozenblacBins(col) : nBins;
    const h = histogram(col, bins);
    edges.push(h.edges);
    density.push(h.density);
  }
  const detector: HbosDetector = { kind: "hbos", version: 1, alpha: params.alpha ?? 0.1, tol: params.tol ?? 0.5, edges, density };
  const trainScores = hbosScores(detector, X);
  return { detector, trainScores, threshold: pyodThreshold(trainScores, params.contamination ?? DEFAULT_CONTAMINATION) };
}

/**
 * PyOD `HBOS.decision_function`: `-sum_j log2(density_j(bin) + alpha)`. The bin of a value is numpy's
 * `digitize(x, edges, right=True)` (right-closed bins `(e_k-1, e_k]`, as PyOD scores); a value below the
 * first edge (or equal to it) by at most `tol` widths of the first bin gets the first bin, one above the
 * last edge by at most `tol` widths of the last bin gets the last bin, and any other value outside the
 * edges gets the lowest `log2(density + alpha)` of the feature.
 *
 * @throws Error when X has another column count or non-finite values.
 */
export function hbosScores(m: HbosDetector, X: FeatureMatrix): Float64Array {
  checkScore(X, "HBOS", m.edges.length);
  const { rows: n, cols: p, data } = X;
  const out = new Float64Array(n);
  for (let j = 0; j < p; j++) {
    const e = m.edges[j];
    const bins = e.length - 1;
    const logs = m.density[j].map((d) => Math.log2(d + m.alpha));
    let lowest = Infinity;
    for (const v of logs) if (v < lowest) lowest = v;
    for (let i = 0; i < n; i++) {
      const x = data[i * p + j];
      // numpy digitize(right=True) = number of edges strictly below x.
      let lo = 0;
      let hi = e.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (e[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      let s: number;
      if (lo === 0) s = e[0] - x <= (e[1] - e[0]) * m.tol ? logs[0] : lowest;
      else if (lo === bins + 1) s = x - e[bins] <= (e[bins] - e[bins - 1]) * m.tol ? logs[bins - 1] : lowest;
      else s = logs[lo - 1];
      out[i] += s;
    }
  }
  for (let i = 0; i < n; i++) out[i] = -out[i];
  return out;
}
