// Quantiles of the chi-square distribution with an integer number of degrees of freedom, for MCD's
// consistency correction (the median) and reweighting cut-off (the 97.5% quantile), as scipy's chi2.
//nobundling

/** ln Γ(a) for a = k / 2, k a positive integer, exactly as a sum of logs (Γ(1) = 1, Γ(1/2) = √π). */
function lnGammaHalf(k: number): number {
  let a = k / 2;
  let s = 0;
  while (a > 1) {
    a -= 1;
    s += Math.log(a);
  }
  return a === 0.5 ? s + 0.5 * Math.log(Math.PI) : s;
}

const EPS = 1e-17;

/**
 * The regularized lower incomplete gamma function P(a, x) for a = k / 2: its power series when
 * x < a + 1, else 1 - Q(a, x) from the continued fraction of Q (modified Lentz).
 */
function lowerGammaP(k: number, x: number): number {
  if (x <= 0) return 0;
  const a = k / 2;
  const logPrefix = -x + a * Math.log(x) - lnGammaHalf(k);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return sum * Math.exp(logPrefix);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return 1 - Math.exp(logPrefix) * h;
}

/**
 * The chi-square CDF with `k` degrees of freedom: P(k/2, x/2).
 * @example chi2Cdf(1, 3.841458820694124); // 0.95 (to ~1e-15)
 */
export function chi2Cdf(k: number, x: number): number {
  return lowerGammaP(k, x / 2);
}

const cache = new Map<string, number>();

/**
 * The `q` quantile of the chi-square distribution with `k` degrees of freedom (scipy `chi2(k).ppf(q)`,
 * i.e. `isf(1 - q)`), by bisection on {@link chi2Cdf} down to adjacent doubles; cached.
 *
 * @throws Error unless k is a positive integer and 0 < q < 1.
 * @example chi2Quantile(1, 0.5); // 0.454936423119572...
 */
export function chi2Quantile(k: number, q: number): number {
  if (!Number.isInteger(k) || k < 1) throw new Error(`chi2 degrees of freedom must be a positive integer, got ${k}`);
  if (!(q > 0 && q < 1)) throw new Error(`chi2 quantile: q must be in (0, 1), got ${q}`);
  const key = `${k}:${q}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let lo = 0;
  let hi = Math.max(1, k);
  while (chi2Cdf(k, hi) < q) hi *= 2;
  for (let i = 0; i < 2000; i++) {
    const mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) break;
    if (chi2Cdf(k, mid) < q) lo = mid;
    else hi = mid;
  }
  cache.set(key, hi);
  return hi;
}
