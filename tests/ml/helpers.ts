// Shared test helpers for tests/ml: the numpy/scipy reference fixture, a seeded
// PRNG and tolerance assertions.

import { readFileSync } from "node:fs";
import { expect } from "vitest";

export interface PcaCase {
  dataset: string;
  params: { n_components: number | null; weighted: boolean; standardization: boolean };
  mean: number[];
  scale: number[];
  components: number[][];
  weights: number[];
  all_ratios: number[];
  train_scores: number[];
  test_scores: number[];
}

export interface KnnCase {
  dataset: string;
  k: number;
  method: "largest" | "mean" | "median";
  train_scores: number[];
  test_scores: number[];
}

export interface MadCase {
  train: number[];
  xs: number[];
  median: number;
  mad: number;
  scores: number[];
}

export interface Dataset {
  train: number[][];
  test: number[][];
}

/** tests/fixtures/ml/reference.json, written by tests/fixtures/ml/make_reference.py (numpy/scipy). */
export interface Reference {
  pca: { datasets: Record<string, Dataset>; cases: Record<string, PcaCase> };
  knn: { datasets: Record<string, Dataset>; cases: Record<string, KnnCase> };
  mad: Record<string, MadCase>;
}

let cached: Reference | null = null;

export function reference(): Reference {
  cached ??= JSON.parse(readFileSync(new URL("../fixtures/ml/reference.json", import.meta.url), "utf8")) as Reference;
  return cached;
}

/** mulberry32: deterministic uniform numbers in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Asserts |a_i - e_i| <= rel * max(1, |e_i|) element-wise. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = rel * Math.max(1, Math.abs(expected[i]));
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      expect.fail(`index ${i}: ${actual[i]} != ${expected[i]} (tol ${tol})`);
    }
  }
}
