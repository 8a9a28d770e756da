// Numenta-style anomaly likelihood as a calibration (Ahmad, Lavin, Purdy, Agha: "Unsupervised real-time
// anomaly detection for streaming data", Neurocomputing 2017, §4.2): the tail probability of the recent
// mean of a model's raw scores under the normal distribution of such means over its longer history
// (here: its training window), reported on Numenta's log scale.
//nobundling

/** Raw scores averaged into the "recent mean" (Numenta's averaging window). */
export const LIKELIHOOD_WINDOW = 10;

/** The distribution of `window`-point means of the training raw scores (JSON-safe). */
export interface LikelihoodFit {
  mean: number;
  std: number;
  window: number;
}

/**
 * Complementary error function, Numerical Recipes' Chebyshev fit `erfcc` (fractional error < 1.2e-7
 * everywhere, so tail probabilities stay accurate far out).
 * @example erfc(1) // ≈ 0.1572992
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * Upper tail probability of the standard normal, `Q(z) = P(Z >= z) = erfc(z / √2) / 2`.
 * @example tailProbability(0) // => 0.5
 */
export function tailProbability(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * Numenta's log-likelihood score of a tail probability: `ln(q + 1e-10) / ln(1e-10)`, clipped to [0, 1].
 * q = 1 gives 0, q = 1e-5 gives 0.5, q = 1e-10 gives about 1; it keeps rare events apart where
 * `1 - q` would round them all to 1.
 * @example logLikelihoodScore(1e-5) // ≈ 0.5
 */
export function logLikelihoodScore(q: number): number {
  const s = Math.log(q + 1e-10) / Math.log(1e-10);
  return s < 0 ? 0 : Math.min(s, 1);
}

/** Mean of `raw[max(0, i - window + 1) .. i]`. */
function recentMean(raw: ArrayLike<number>, i: number, window: number): number {
  const from = Math.max(0, i - window + 1);
  let s = 0;
  for (let j = from; j <= i; j++) s += raw[j];
  return s / (i - from + 1);
}

/**
 * Fits the likelihood on training raw scores in time order: the means of every `window` consecutive
 * scores (of all of them when there are fewer), their mean and population standard deviation. The
 * standard deviation is floored at `1e-6 * max(|mean|, 1e-12)`, so constant training scores give a
 * finite (very sharp) distribution.
 *
 * @throws Error on no scores or a non-finite score.
 * @example fitLikelihood([1, 2, 3, 4], 2); // { mean: 2.5, std: 0.816496580927726, window: 2 }
 */
export function fitLikelihood(trainRaw: ArrayLike<number>, window = LIKELIHOOD_WINDOW): LikelihoodFit {
  const n = trainRaw.length;
  if (n === 0) throw new Error("likelihood calibration needs at least 1 training score, got 0");
  if (!Number.isInteger(window) || window < 1) throw new Error(`likelihood window must be a positive integer, got ${window}`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(trainRaw[i])) throw new Error(`likelihood: non-finite training score at index ${i}`);
  const first = Math.min(window, n) - 1;
  let s = 0;
  let ss = 0;
  for (let i = first; i < n; i++) {
    const m = recentMean(trainRaw, i, window);
    s += m;
    ss += m * m;
  }
  const count = n - first;
  const mean = s / count;
  const std = Math.max(Math.sqrt(Math.max(0, ss / count - mean * mean)), 1e-6 * Math.max(Math.abs(mean), 1e-12));
  return { mean, std, window };
}

/**
 * Likelihood-calibrated probabilities of consecutive raw scores (oldest first): row i's recent mean is
 * the mean of its raw score and the `window - 1` rows before it (fewer at the start), `z = (mean - μ) / σ`,
 * and the probability is {@link logLikelihoodScore}`(Q(z))`. One-sided: a recent mean below the usual
 * is not anomalous (Numenta mirrors it; raw anomaly scores only matter upwards).
 *
 * @example
 * Array.from(likelihoodProba({ mean: 0, std: 1, window: 1 }, [0, 4.2649])); // ≈ [0.0301, 0.5] (Q = 0.5 and 1e-5)
 */
export function likelihoodProba(fit: LikelihoodFit, raw: ArrayLike<number>): Float64Array {
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    if (Number.isNaN(raw[i])) throw new Error(`likelihood calibration: NaN score at row ${i}`);
    out[i] = logLikelihoodScore(tailProbability((recentMean(raw, i, fit.window) - fit.mean) / fit.std));
  }
  return out;
}
