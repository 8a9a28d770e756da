// The scikit-learn / numpy reference of the PyOD models (tests/fixtures/ml/pyod_reference.json, written by
// tests/fixtures/ml/make_pyod_reference.py), and small statistics the IForest and MCD tests compare with.

import { readFileSync } from "node:fs";
import type { Dataset } from "./helpers.ts";

interface Scored {
  train_scores: number[];
  test_scores: number[];
}

export interface PyodReference {
  lof: { datasets: Record<string, Dataset>; cases: Record<string, Scored & { dataset: string; params: Record<string, unknown>; k: number }> };
  ocsvm: {
    datasets: Record<string, Dataset>;
    cases: Record<string, Scored & { dataset: string; params: Record<string, unknown>; support: number[]; dual_coef: number[]; rho: number }>;
  };
  mcd: {
    datasets: Record<string, Dataset>;
    cases: Record<
      string,
      Scored & {
        dataset: string;
        params: Record<string, unknown>;
        seed_invariant: boolean;
        raw_logdets: number[];
        raw_location: number[];
        raw_covariance: number[][];
        raw_support: number[];
        raw_dist: number[];
        support_n: number;
        location: number[];
        covariance: number[][];
        precision: number[][];
      }
    >;
    c_step: Record<
      string,
      {
        dataset: string;
        h: number;
        iterations: number;
        initial_location: number[];
        initial_covariance: number[][];
        location: number[];
        covariance: number[][];
        det: number;
        support: number[];
        dist: number[];
      }
    >;
    chi2: Record<string, [number, number]>;
  };
  iforest: {
    c: Record<string, number>;
    forest: Dataset &
      Scored & { max_samples: number; max_depth: number; offset: number; decision_train: number[]; seed_pearson: number[]; seed_spearman: number[] };
    small: Dataset &
      Scored & {
        max_samples: number;
        offset: number;
        trees: { children_left: number[]; children_right: number[]; feature: number[]; threshold: number[]; n_node_samples: number[] }[];
      };
    walk: {
      train: number[][];
      max_samples: number;
      train_scores: number[];
      decision_train: number[];
      seed_pearson: number[];
      seed_spearman: number[];
    };
  };
  ecdf: { datasets: Record<string, Dataset>; ecod: Record<string, Scored>; copod: Record<string, Scored> };
  hbos: {
    datasets: Record<string, Dataset>;
    cases: Record<string, Scored & { dataset: string; params: Record<string, unknown>; edges: number[][]; density: number[][] }>;
  };
  percentile: { values: number[]; q: Record<string, number> };
}

let cached: PyodReference | null = null;

export function pyodReference(): PyodReference {
  cached ??= JSON.parse(readFileSync(new URL("../fixtures/ml/pyod_reference.json", import.meta.url), "utf8")) as PyodReference;
  return cached;
}

/** Pearson correlation. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Ranks (ties get their mean rank), for Spearman's correlation = pearson(ranks(a), ranks(b)). */
export function ranks(a: ArrayLike<number>): Float64Array {
  const idx = Array.from(a, (_, i) => i).sort((x, y) => a[x] - a[y]);
  const r = new Float64Array(a.length);
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && a[idx[j + 1]] === a[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

export const spearman = (a: ArrayLike<number>, b: ArrayLike<number>): number => pearson(ranks(a), ranks(b));
