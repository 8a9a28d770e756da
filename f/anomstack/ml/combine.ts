// Row-wise combination of several models' anomaly probabilities into one
// (Anomstack scores each metric with every configured model).
//nobundling

/** Supported combination methods. */
export const COMBINATION_METHODS = ["mean", "max", "min"] as const;
export type CombinationMethod = (typeof COMBINATION_METHODS)[number];

/**
 * Combines per-model probability vectors row by row:
 * `mean`: `(p_1[i] + ... + p_m[i]) / m` (summed in model order),
 * `max`: `max_j p_j[i]`, `min`: `min_j p_j[i]`.
 * A single model is returned as a copy.
 *
 * @throws Error on an empty list, vectors of different lengths, or an unknown
 *   method (naming it and listing the valid ones).
 * @example
 * const a = Float64Array.of(0.2, 1), b = Float64Array.of(0.6, 0);
 * Array.from(combineProbabilities([a, b], "mean")); // [0.4, 0.5]
 * Array.from(combineProbabilities([a, b], "max"));  // [0.6, 1]
 */
export function combineProbabilities(perModel: Float64Array[], method: CombinationMethod): Float64Array {
  if (!(COMBINATION_METHODS as readonly string[]).includes(method)) {
    throw new Error(`unknown combination method ${JSON.stringify(method)}; expected one of ${COMBINATION_METHODS.join(", ")}`);
  }
  if (perModel.length === 0) throw new Error("combineProbabilities needs at least one model's probabilities");
  const n = perModel[0].length;
  for (let j = 1; j < perModel.length; j++) {
    if (perModel[j].length !== n) {
      throw new Error(`combineProbabilities: model ${j} has ${perModel[j].length} rows, model 0 has ${n}`);
    }
  }
  const out = Float64Array.from(perModel[0]);
  for (let j = 1; j < perModel.length; j++) {
    const p = perModel[j];
    for (let i = 0; i < n; i++) {
      if (method === "max") out[i] = Math.max(out[i], p[i]);
      else if (method === "min") out[i] = Math.min(out[i], p[i]);
      else out[i] += p[i];
    }
  }
  if (method === "mean") for (let i = 0; i < n; i++) out[i] /= perModel.length;
  return out;
}
