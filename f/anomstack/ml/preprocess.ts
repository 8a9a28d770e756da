// Anomstack's default preprocess (`make_x`) with pandas semantics: sort, optional
// resample, diff, rolling-mean smoothing, lag features, drop rows with NaN.
//nobundling

import type { FeatureMatrix } from "./matrix.ts";

/** Parameters of the default preprocess, named as in Anomstack's YAML config. */
export interface PreprocessParams {
  /** `X.diff(periods=diff_n)`; 0 disables. */
  diff_n: number;
  /** `X.rolling(window=smooth_n).mean()`; 0 disables. */
  smooth_n: number;
  /** Number of lag columns `lag_1..lag_n`; 0 disables. */
  lags_n: number;
  /** pandas offset alias for `X.resample(freq)`, or null for no resampling. */
  freq: string | null;
  /** Aggregation used when resampling. */
  freq_agg: "mean" | "sum";
}

const DAY_MS = 86_400_000;
/** Safety limit on the number of resample bins (guards against e.g. "1s" over years). */
export const MAX_RESAMPLE_BINS = 5_000_000;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  L: 1,
  s: 1000,
  S: 1000,
  min: 60_000,
  T: 60_000,
  h: 3_600_000,
  H: 3_600_000,
  D: DAY_MS,
};

function checkCount(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new Error(`preprocess: ${name} must be a non-negative integer, got ${String(v)}`);
  }
  return v;
}

/**
 * Length in ms of a pandas fixed-frequency offset alias: an optional positive
 * integer multiple followed by one of `ms`/`L`, `s`/`S`, `min`/`T`, `h`/`H`, `D`
 * (e.g. "10min", "5T", "1h", "H", "D", "30s").
 *
 * @throws Error naming the value for anything else (calendar offsets such as
 *   "W", "M", fractional or zero multiples are not supported).
 * @example
 * freqToMs("10min"); // 600000
 */
export function freqToMs(freq: string): number {
  const m = /^(\d+)?(ms|min|[LsSTHhD])$/.exec(freq);
  const n = m ? (m[1] === undefined ? 1 : Number(m[1])) : 0;
  if (!m || !Number.isSafeInteger(n) || n <= 0) {
    throw new Error(
      `preprocess: unsupported freq ${JSON.stringify(freq)}; expected a pandas fixed offset alias like "30s", "10min", "5T", "1h", "H" or "D"`,
    );
  }
  return n * UNIT_MS[m[2]];
}

/**
 * Number of input points (after resampling) needed to produce one feature row:
 * `diff_n + max(smooth_n - 1, 0) + lags_n + 1`.
 *
 * @throws Error when a count is not a non-negative integer.
 * @example
 * minRowsForFeatures({ diff_n: 1, smooth_n: 3, lags_n: 5, freq: null, freq_agg: "mean" }); // 9
 */
export function minRowsForFeatures(params: PreprocessParams): number {
  const d = checkCount("diff_n", params.diff_n);
  const s = checkCount("smooth_n", params.smooth_n);
  const l = checkCount("lags_n", params.lags_n);
  return d + Math.max(s - 1, 0) + l + 1;
}

/**
 * `X.resample(freq).mean()` / `.sum()` for sorted points, pandas semantics:
 * bins `[b, b + freq)` labelled by their start, origin "start_day" (midnight UTC
 * of the first timestamp, which is epoch-aligned for freqs dividing a day), one
 * bin per step from the first to the last occupied bin; empty bins are NaN for
 * mean and 0 for sum. Sums use Kahan compensation like pandas' `group_sum`.
 */
function resample(ts: number[], vs: number[], stepMs: number, agg: "mean" | "sum"): { ts: number[]; vs: number[] } {
  const n = ts.length;
  if (n === 0) return { ts: [], vs: [] };
  const origin = Math.floor(ts[0] / DAY_MS) * DAY_MS;
  const binOf = (t: number): number => Math.floor((t - origin) / stepMs);
  const first = binOf(ts[0]);
  const nBins = binOf(ts[n - 1]) - first + 1;
  if (nBins > MAX_RESAMPLE_BINS) {
    throw new Error(`preprocess: resampling would create ${nBins} bins (limit ${MAX_RESAMPLE_BINS}); use a coarser freq`);
  }
  const sum = new Float64Array(nBins);
  const comp = new Float64Array(nBins);
  const count = new Float64Array(nBins);
  for (let i = 0; i < n; i++) {
    const b = binOf(ts[i]) - first;
    const y = vs[i] - comp[b];
    const t = sum[b] + y;
    comp[b] = t - sum[b] - y;
    sum[b] = t;
    count[b]++;
  }
  const outTs = new Array<number>(nBins);
  const outVs = new Array<number>(nBins);
  for (let b = 0; b < nBins; b++) {
    outTs[b] = origin + (first + b) * stepMs;
    outVs[b] = agg === "sum" ? sum[b] : count[b] > 0 ? sum[b] / count[b] : NaN;
  }
  return { ts: outTs, vs: outVs };
}

/**
 * Anomstack's default preprocess, step by step (pandas semantics):
 * 1. sort by timestamp ascending (stable);
 * 2. if `freq`: resample (see {@link freqToMs}; mean -> NaN / sum -> 0 for empty bins);
 * 3. if `diff_n > 0`: `v[i] = v[i] - v[i - diff_n]` (first `diff_n` rows NaN);
 * 4. if `smooth_n > 0`: `v[i] = mean(v[i-smooth_n+1..i])`, NaN unless the full window is finite;
 * 5. if `lags_n > 0`: `lag_k[i] = v[i - k]` for k = 1..lags_n;
 * 6. drop every row containing NaN (`X.dropna()`).
 *
 * Output columns are `["metric_value", "lag_1", ..., "lag_n"]` with the kept
 * rows' timestamps; without gaps there are
 * `max(N - diff_n - max(smooth_n - 1, 0) - lags_n, 0)` rows. Rows are not
 * shuffled (order does not matter to the detectors).
 *
 * @throws Error when lengths differ, a timestamp or value is non-finite (naming
 *   the input index), a count is not a non-negative integer, `freq` is not a
 *   supported alias, or `freq_agg` is not "mean" / "sum".
 * @example
 * const X = preprocess({ timestamps: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], values: [1, 3, 6, 10, 15, 21, 28, 36, 45, 55] },
 *   { diff_n: 1, smooth_n: 3, lags_n: 2, freq: null, freq_agg: "mean" });
 * // X.columns = ["metric_value", "lag_1", "lag_2"], X.rows = 5, X.timestamps = [5, 6, 7, 8, 9]
 * // rows: [5,4,3], [6,5,4], [7,6,5], [8,7,6], [9,8,7]
 */
export function preprocess(points: { timestamps: number[]; values: number[] }, params: PreprocessParams): FeatureMatrix {
  const diffN = checkCount("diff_n", params.diff_n);
  const smoothN = checkCount("smooth_n", params.smooth_n);
  const lagsN = checkCount("lags_n", params.lags_n);
  if (params.freq_agg !== "mean" && params.freq_agg !== "sum") {
    throw new Error(`preprocess: freq_agg must be "mean" or "sum", got ${JSON.stringify(params.freq_agg)}`);
  }
  const stepMs = params.freq === null || params.freq === undefined ? null : freqToMs(params.freq);
  const { timestamps, values } = points;
  if (timestamps.length !== values.length) {
    throw new Error(`preprocess: ${timestamps.length} timestamps but ${values.length} values`);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(timestamps[i])) throw new Error(`preprocess: non-finite timestamp ${timestamps[i]} at index ${i}`);
    if (!Number.isFinite(values[i])) throw new Error(`preprocess: non-finite value ${values[i]} at index ${i}`);
  }

  // 1. stable sort by timestamp (skipped when already in order, as rows read back by time are)
  let ts = timestamps;
  let v = values;
  if (!isAscending(timestamps)) {
    const order = Array.from({ length: values.length }, (_, i) => i);
    order.sort((a, b) => timestamps[a] - timestamps[b] || a - b);
    ts = order.map((i) => timestamps[i]);
    v = order.map((i) => values[i]);
  }

  // 2. resample
  if (stepMs !== null) ({ ts, vs: v } = resample(ts, v, stepMs, params.freq_agg));
  const n = v.length;

  // 3. diff
  if (diffN > 0) {
    const d = new Array<number>(n);
    for (let i = 0; i < n; i++) d[i] = i >= diffN ? v[i] - v[i - diffN] : NaN;
    v = d;
  }

  // 4. rolling mean over a full window (NaN propagates)
  if (smoothN > 0) {
    const s = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      if (i < smoothN - 1) {
        s[i] = NaN;
        continue;
      }
      let acc = 0;
      for (let j = i - smoothN + 1; j <= i; j++) acc += v[j];
      s[i] = acc / smoothN;
    }
    v = s;
  }

  // 5 + 6. lags, then keep rows without NaN
  const cols = lagsN + 1;
  const columns = ["metric_value"];
  for (let k = 1; k <= lagsN; k++) columns.push(`lag_${k}`);
  const data = new Float64Array(Math.max(n - lagsN, 0) * cols);
  const keptTs: number[] = [];
  let filled = 0;
  for (let i = lagsN; i < n; i++) {
    let ok = true;
    for (let k = 0; k <= lagsN; k++) {
      if (Number.isNaN(v[i - k])) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    for (let k = 0; k <= lagsN; k++) data[filled++] = v[i - k];
    keptTs.push(ts[i]);
  }
  return { rows: keptTs.length, cols, data: filled === data.length ? data : data.slice(0, filled), timestamps: keptTs, columns };
}

function isAscending(xs: number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (!(xs[i - 1] <= xs[i])) return false;
  return true;
}
