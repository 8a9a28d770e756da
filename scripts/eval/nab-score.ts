// The Numenta Anomaly Benchmark (NAB) scoring rules, re-implemented from their description (NAB v1.1,
// github.com/numenta/NAB): scaled-sigmoid window credit, probation, cost profiles, the corpus-wide
// threshold sweep and the normalised score. Pure: no I/O (the corpus loader is nab-corpus.ts).

/** Weights of one NAB cost profile (`profiles.json`). */
export interface NabCostProfile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

/** NAB's three application profiles. */
export const NAB_PROFILES = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
} as const satisfies Record<string, NabCostProfile>;
export type NabProfileName = keyof typeof NAB_PROFILES;
export const NAB_PROFILE_NAMES = Object.keys(NAB_PROFILES) as NabProfileName[];

/** Fraction of each series that is probation (not scored), capped at `fraction * 5000` rows. */
export const NAB_PROBATION_FRACTION = 0.15;

/**
 * NAB's scaled sigmoid of a relative position: `2 / (1 + e^(5x)) - 1`, and exactly -1 from x = 3 on.
 * x = -1 is a window's left edge (0.98661), 0 its right edge (0), x > 0 a false positive after it.
 * @example scaledSigmoid(-1) // => 0.9866142981514305
 * @example scaledSigmoid(3)  // => -1
 */
export function scaledSigmoid(x: number): number {
  if (x >= 3) return -1;
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

/**
 * Rows at the start of a series that NAB does not score: `min(floor(f * rows), f * 5000)`.
 * @example probationLength(4032) // => 604
 * @example probationLength(22695) // => 750
 */
export function probationLength(rows: number, fraction = NAB_PROBATION_FRACTION): number {
  return Math.min(Math.floor(fraction * rows), fraction * 5000);
}

/** One labelled series with a detector's anomaly scores (one per timestamp, oldest first). */
export interface NabSeries {
  name: string;
  /** Epoch ms, ascending. */
  timestamps: ArrayLike<number>;
  /** The detector's anomaly score per row; a point is a detection when its score >= the threshold. */
  scores: ArrayLike<number>;
  /** Anomaly windows `[start, end]` in epoch ms (inclusive), ascending and disjoint. */
  windows: readonly (readonly [number, number])[];
}

/**
 * A series prepared for sweeping: per row, the window it lies in (-1 = outside every window,
 * -2 = probation) and its unweighted NAB credit: `scaledSigmoid(position) / scaledSigmoid(-1)` inside
 * a window, `scaledSigmoid(distance past the previous window)` (or -1 before any window) outside.
 */
export interface SweptSeries {
  name: string;
  scores: ArrayLike<number>;
  window: Int32Array;
  credit: Float64Array;
  /** Number of windows with at least one scored row. */
  windows: number;
}

const MAX_TP = scaledSigmoid(-1);

/**
 * Per-row window membership and credit of one series (NAB's `calcSweepScore`). A window covers the rows
 * with `start <= t <= end`; its width is its row count. Inside, the row at index i of a window ending
 * at row r with width w sits at `-(r - i + 1) / w`; after a window (right edge row r, width w) a row
 * sits at `|r - i| / (w - 1)`. Rows in probation are marked -2 and never count.
 *
 * @param windowBase added to the window numbers (so several series can share one numbering).
 * @throws Error when timestamps and scores differ in length.
 */
export function sweepSeries(s: NabSeries, windowBase = 0): SweptSeries {
  const n = s.timestamps.length;
  if (s.scores.length !== n) throw new Error(`${s.name}: ${n} timestamps but ${s.scores.length} scores`);
  const window = new Int32Array(n).fill(-1);
  const credit = new Float64Array(n);
  const probation = probationLength(n);
  // Row ranges of the windows.
  const ranges: [number, number][] = [];
  let i0 = 0;
  for (const [start, end] of s.windows) {
    while (i0 < n && s.timestamps[i0] < start) i0++;
    let i1 = i0;
    while (i1 < n && s.timestamps[i1] <= end) i1++;
    if (i1 > i0) ranges.push([i0, i1 - 1]);
    i0 = i1;
  }
  let w = 0;
  let prevRight = -1;
  let prevWidth = 0;
  const used = new Set<number>();
  for (let i = 0; i < n; i++) {
    while (w < ranges.length && ranges[w][1] < i) {
      prevRight = ranges[w][1];
      prevWidth = ranges[w][1] - ranges[w][0] + 1;
      w++;
    }
    const inWindow = w < ranges.length && ranges[w][0] <= i;
    if (inWindow) {
      const [l, r] = ranges[w];
      const width = r - l + 1;
      credit[i] = scaledSigmoid(-(r - i + 1) / width) / MAX_TP;
    } else if (prevRight < 0) {
      credit[i] = -1;
    } else {
      credit[i] = scaledSigmoid(prevWidth > 1 ? Math.abs(prevRight - i) / (prevWidth - 1) : Number.POSITIVE_INFINITY);
    }
    if (i < probation) window[i] = -2;
    else if (inWindow) {
      window[i] = windowBase + w;
      used.add(w);
    }
  }
  return { name: s.name, scores: s.scores, window, credit, windows: used.size };
}

/** The raw NAB score of a set of detections, and its counts. */
export interface NabThresholdScore {
  threshold: number;
  /** Raw score S: window credits - fnWeight per missed window + false-positive costs. */
  score: number;
  /** Windows detected / missed, detections outside windows. */
  tp: number;
  fn: number;
  fp: number;
}

/**
 * The raw score at every threshold (NAB's `calcScoreByThreshold`): thresholds are 1.1 (no detection)
 * and every distinct score, descending; at threshold t the detections are the scored rows with
 * score >= t. A window earns the credit of its earliest detection times tpWeight (the earliest has the
 * largest credit), or -fnWeight without one; a detection outside windows adds its credit times fpWeight.
 */
export function scoresByThreshold(series: readonly SweptSeries[], profile: NabCostProfile): NabThresholdScore[] {
  let total = 0;
  let nWindows = 0;
  for (const s of series) {
    total += s.scores.length;
    nWindows = Math.max(nWindows, maxWindow(s) + 1);
  }
  const score = new Float64Array(total);
  const win = new Int32Array(total);
  const credit = new Float64Array(total);
  let k = 0;
  for (const s of series) {
    for (let i = 0; i < s.scores.length; i++) {
      if (s.window[i] === -2) continue;
      const v = s.scores[i];
      if (Number.isNaN(v)) throw new Error(`${s.name}: NaN score at row ${i}`);
      score[k] = v;
      win[k] = s.window[i];
      credit[k] = s.credit[i];
      k++;
    }
  }
  const order = Uint32Array.from({ length: k }, (_, i) => i).sort((a, b) => score[b] - score[a]);
  const best = new Float64Array(nWindows).fill(Number.NEGATIVE_INFINITY); // credit of the best detection per window
  const present = new Uint8Array(nWindows);
  for (let i = 0; i < k; i++) if (win[i] >= 0) present[win[i]] = 1;
  let windows = 0;
  for (const p of present) windows += p;
  let tpSum = 0;
  let tp = 0;
  let fp = 0;
  let fpSum = 0;
  const out: NabThresholdScore[] = [];
  const push = (threshold: number) =>
    out.push({ threshold, score: profile.tpWeight * tpSum - profile.fnWeight * (windows - tp) + profile.fpWeight * fpSum, tp, fn: windows - tp, fp });
  let cur = 1.1;
  for (let j = 0; j < k; j++) {
    const i = order[j];
    if (score[i] !== cur) {
      push(cur);
      cur = score[i];
    }
    const w = win[i];
    if (w < 0) {
      fp++;
      fpSum += credit[i];
    } else if (credit[i] > best[w]) {
      if (best[w] === Number.NEGATIVE_INFINITY) tp++;
      else tpSum -= best[w];
      tpSum += credit[i];
      best[w] = credit[i];
    }
  }
  push(cur);
  return out;
}

function maxWindow(s: SweptSeries): number {
  let m = -1;
  for (const w of s.window) if (w > m) m = w;
  return m;
}

/** Number of scored windows over `series` (the count S_null and S_perfect are built from). */
export function countWindows(series: readonly SweptSeries[]): number {
  return series.reduce((a, s) => a + s.windows, 0);
}

/**
 * NAB's normalised score: `100 * (S - S_null) / (S_perfect - S_null)` with `S_perfect = windows * tpWeight`
 * and `S_null = -windows * fnWeight` (the detector that never fires scores 0, the perfect one 100).
 * @example normalizedScore(0, 116, NAB_PROFILES.standard) // => 50
 */
export function normalizedScore(raw: number, windows: number, profile: NabCostProfile): number {
  const perfect = windows * profile.tpWeight;
  const nul = -windows * profile.fnWeight;
  return (100 * (raw - nul)) / (perfect - nul);
}

/** The result of one profile: the corpus-optimal threshold and its score. */
export interface NabProfileResult extends NabThresholdScore {
  profile: NabProfileName;
  /** Normalised NAB score (0 = null detector, 100 = perfect). */
  normalized: number;
  windows: number;
}

/**
 * NAB's threshold optimisation: the single threshold over the whole corpus that maximises the raw score
 * (ties: the highest threshold, as NAB's stable sort keeps it first), with its normalised score.
 * Every series is numbered into one window space, so a corpus is one call.
 *
 * @example
 * // one series of 100 rows, one window over rows 50..59, the detector fires only at row 50
 * const ts = Array.from({ length: 100 }, (_, i) => i);
 * const scores = ts.map((i) => (i === 50 ? 1 : 0));
 * scoreCorpus([{ name: "s", timestamps: ts, scores, windows: [[50, 59]] }], "standard").normalized; // => 100
 */
export function scoreCorpus(series: readonly NabSeries[], profileName: NabProfileName): NabProfileResult {
  return scoreSwept(sweepCorpus(series), profileName);
}

/** {@link sweepSeries} for every series, numbering windows across the corpus. */
export function sweepCorpus(series: readonly NabSeries[]): SweptSeries[] {
  const out: SweptSeries[] = [];
  let base = 0;
  for (const s of series) {
    const swept = sweepSeries(s, base);
    base += s.windows.length;
    out.push(swept);
  }
  return out;
}

/** {@link scoreCorpus} on already swept series (sweep once, score every profile). */
export function scoreSwept(swept: readonly SweptSeries[], profileName: NabProfileName): NabProfileResult {
  const profile = NAB_PROFILES[profileName];
  const all = scoresByThreshold(swept, profile);
  let best = all[0];
  for (const r of all) if (r.score > best.score) best = r;
  const windows = countWindows(swept);
  return { profile: profileName, ...best, windows, normalized: normalizedScore(best.score, windows, profile) };
}

/** The raw score of each series at a fixed threshold (NAB's per-file results). */
export function scoreSeriesAt(
  swept: readonly SweptSeries[],
  profileName: NabProfileName,
  threshold: number,
): { name: string; score: number; tp: number; fn: number; fp: number }[] {
  const profile = NAB_PROFILES[profileName];
  return swept.map((s) => {
    let fp = 0;
    let fpSum = 0;
    const best = new Map<number, number>();
    for (let i = 0; i < s.scores.length; i++) {
      const w = s.window[i];
      if (w === -2 || !(s.scores[i] >= threshold)) continue;
      if (w === -1) {
        fp++;
        fpSum += s.credit[i];
      } else best.set(w, Math.max(best.get(w) ?? Number.NEGATIVE_INFINITY, s.credit[i]));
    }
    let tpSum = 0;
    for (const c of best.values()) tpSum += c;
    const tp = best.size;
    const fn = s.windows - tp;
    return { name: s.name, score: profile.tpWeight * tpSum - profile.fnWeight * fn + profile.fpWeight * fpSum, tp, fn, fp };
  });
}
