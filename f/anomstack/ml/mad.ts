// PyOD's MAD (median absolute deviation) detector for univariate series, used by
// Anomstack's change detection: score = 0.6745 * |x - median| / MAD.
//nobundling

/** A fitted MAD model (JSON-safe). */
export interface MadModel {
  median: number;
  mad: number;
}

/** The modified z-score constant of PyOD's MAD (Iglewicz & Hoaglin). */
export const MAD_CONSTANT = 0.6745;

/**
 * Median of finite numbers with numpy semantics (mean of the two middle values
 * for an even count). Does not modify `xs`.
 *
 * @throws Error on an empty array.
 * @example
 * median([3, 1, 4, 1]); // 2
 */
export function median(xs: ArrayLike<number>): number {
  if (xs.length === 0) throw new Error("median of an empty array");
  const s = Float64Array.from(xs).sort();
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * Fits PyOD `MAD`: `median = median(train)`, `mad = median(|train - median|)`.
 *
 * @throws Error when `train` is empty or holds a non-finite value (naming its index).
 * @example
 * fitMad([1, 2, 3, 4, 100]); // { median: 3, mad: 1 }
 */
export function fitMad(train: number[]): MadModel {
  if (train.length === 0) throw new Error("MAD needs at least 1 training value, got 0");
  for (let i = 0; i < train.length; i++) {
    if (!Number.isFinite(train[i])) throw new Error(`MAD: non-finite training value ${train[i]} at index ${i}`);
  }
  const m = median(train);
  const mad = median(train.map((x) => Math.abs(x - m)));
  return { median: m, mad };
}

/**
 * PyOD `MAD.decision_function` for one value:
 * `score = nan_to_num(0.6745 * |x - median| / mad)`.
 * When `mad == 0` this follows numpy's `nan_to_num` exactly: 0 for
 * `x == median` (0/0 = NaN -> 0) and `Number.MAX_VALUE` (1.7976931348623157e308,
 * numpy's replacement for +inf) otherwise, so the result is always finite.
 *
 * @throws Error when `x` is non-finite.
 * @example
 * madScore({ median: 3, mad: 1 }, 5); // 1.349
 */
export function madScore(model: MadModel, x: number): number {
  if (!Number.isFinite(x)) throw new Error(`MAD: non-finite value ${x}`);
  const diff = Math.abs(x - model.median);
  if (model.mad === 0) return diff === 0 ? 0 : Number.MAX_VALUE;
  const s = (MAD_CONSTANT * diff) / model.mad;
  return Number.isFinite(s) ? s : Number.MAX_VALUE;
}

/**
 * {@link madScore} for each value of `xs`.
 *
 * @throws Error naming the index of a non-finite value.
 * @example
 * madScores({ median: 3, mad: 1 }, [3, 1]); // [0, 1.349]
 */
export function madScores(model: MadModel, xs: number[]): number[] {
  return xs.map((x, i) => {
    if (!Number.isFinite(x)) throw new Error(`MAD: non-finite value ${x} at index ${i}`);
    return madScore(model, x);
  });
}
