// The repeated-incident suite's data, generated from a seed (docs/accuracy.md, "The repeated-incident
// suite"): 30 days at a 10-minute cadence of seasonal, trending, noisy, count and mostly-zero metrics,
// each with ten planted incidents (spikes, drops, level shifts, variance changes; later ones often
// smaller, some 12-100 points after the one before), and 100 anomaly-free noise metrics for the
// false-alarm rate. Pure: the same seed gives the same series.
import { Rng } from "../../f/anomstack/ml/random.ts";

/** Points per series: 30 days at 10 minutes. */
export const SUITE_POINTS = 30 * 144;
/** Cadence of the suite's series. */
export const SUITE_STEP_MS = 600_000;
/** The first point: a Monday, 00:00 UTC (so the weekly cycle starts with a working week). */
export const SUITE_START = Date.UTC(2026, 0, 5);
/** Points before this index are not counted (the first two days: a detector's warm-up). */
export const SUITE_SKIP = 2 * 144;
/** The default seed of `anomstack eval --suite`. */
export const SUITE_SEED = 12;

export const INCIDENT_KINDS = ["seasonal", "trending", "noisy", "counts", "sparse"] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];
export const NOISE_KINDS = ["noise", "noise_daily", "noise_trend", "noise_daily_trend"] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];
export type EventType = "spike" | "drop" | "level_shift" | "variance";

/** One planted incident: its type, size (in the series' noise standard deviations) and labelled points. */
export interface SuiteEvent {
  type: EventType;
  /** Size in noise standard deviations (variance: the factor on the noise). */
  size: number;
  /** First and last labelled point (inclusive indexes). */
  start: number;
  end: number;
}

export interface SuiteSeries {
  metric: string;
  kind: IncidentKind | NoiseKind;
  timestamps: number[];
  values: number[];
  /** Planted incidents, in time order (none for the noise metrics). */
  events: SuiteEvent[];
}

/** Labelled points of each incident type: a spike's or drop's own points, a shift's first 12, a variance change's 36. */
const SHIFT_LABEL_N = 12;
const VARIANCE_N = 36;
const FIRST_EVENT = 5 * 144;

/** The incident plan of one series: [type, size, points, gap before it]. Gaps "close" are 12-100 points. */
type Step = { type: EventType; size: number; points: number; gap: "far" | "close" };
const PLAN: Step[] = [
  { type: "spike", size: 12, points: 1, gap: "far" },
  { type: "spike", size: 7, points: 1, gap: "close" }, // smaller, soon after a bigger one
  { type: "drop", size: 9, points: 6, gap: "far" },
  { type: "spike", size: 6, points: 2, gap: "close" },
  { type: "level_shift", size: 7, points: SHIFT_LABEL_N, gap: "far" },
  { type: "spike", size: 7, points: 1, gap: "close" }, // after a shift: the shift must not hide it
  { type: "variance", size: 5, points: VARIANCE_N, gap: "far" },
  { type: "drop", size: 7, points: 3, gap: "close" },
  { type: "spike", size: 8, points: 1, gap: "far" },
  { type: "level_shift", size: -7, points: SHIFT_LABEL_N, gap: "close" },
];
/** Mostly-zero counts: bursts (in counts, not deviations) and a level change. */
const SPARSE_PLAN: Step[] = [
  { type: "spike", size: 15, points: 1, gap: "far" },
  { type: "spike", size: 6, points: 1, gap: "close" },
  { type: "spike", size: 9, points: 2, gap: "far" },
  { type: "spike", size: 5, points: 1, gap: "close" },
  { type: "spike", size: 7, points: 1, gap: "far" },
  { type: "level_shift", size: 4, points: SHIFT_LABEL_N, gap: "far" },
  { type: "spike", size: 15, points: 1, gap: "close" },
  { type: "spike", size: 12, points: 1, gap: "far" },
];

function gaussian(rng: Rng): number {
  // Box-Muller; 1 - u keeps the logarithm finite.
  const u = 1 - rng.random();
  const v = rng.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function poisson(rng: Rng, lambda: number): number {
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(rng)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng.random();
  while (p > limit) {
    k++;
    p *= rng.random();
  }
  return k;
}

const timestamps = () => Array.from({ length: SUITE_POINTS }, (_, i) => SUITE_START + i * SUITE_STEP_MS);
const hourOf = (i: number) => ((i * 10) / 60) % 24;
const dayOf = (i: number) => Math.floor(i / 144) % 7; // 0 = Monday
const daily = (i: number) => Math.sin((2 * Math.PI * (hourOf(i) - 9)) / 24); // peak at 15:00 UTC

/** Where each step of `plan` starts: far gaps 300-600 points, close ones 12-100. */
function schedule(rng: Rng, plan: Step[]): number[] {
  const starts: number[] = [];
  let at = FIRST_EVENT + rng.int(144);
  for (let k = 0; k < plan.length; k++) {
    if (k > 0) at += plan[k - 1].points + (plan[k].gap === "close" ? 12 + rng.int(89) : 300 + rng.int(301));
    starts.push(at);
  }
  if (at + VARIANCE_N >= SUITE_POINTS) throw new Error("suite: the incident plan does not fit in 30 days");
  return starts;
}

/** One incident series of `kind`, its noise and incidents drawn from `rng`. */
function incidentSeries(rng: Rng, kind: IncidentKind, n: number): SuiteSeries {
  const plan = kind === "sparse" ? SPARSE_PLAN : PLAN;
  const starts = schedule(rng, plan);
  const scale = rng.uniform(0.5, 2);
  // The clean signal and the noise's standard deviation of each point.
  const base = new Float64Array(SUITE_POINTS);
  const sd = new Float64Array(SUITE_POINTS);
  const slope = (rng.random() < 0.5 ? -1 : 1) * rng.uniform(0.2, 0.4);
  for (let i = 0; i < SUITE_POINTS; i++) {
    const weekend = dayOf(i) >= 5;
    if (kind === "seasonal") {
      const level = 1000 * scale;
      base[i] = level * (1 + 0.3 * daily(i)) * (weekend ? 0.9 : 1);
      sd[i] = 0.02 * level;
    } else if (kind === "trending") {
      const level = 200 * scale;
      base[i] = level * (1 + (slope * i) / SUITE_POINTS + 0.1 * daily(i));
      sd[i] = 0.02 * level;
    } else if (kind === "noisy") {
      base[i] = 50 * scale;
      sd[i] = 0.15 * base[i];
    } else if (kind === "counts") {
      base[i] = 30 * scale * (1 + 0.5 * daily(i));
      sd[i] = Math.sqrt(base[i]);
    } else {
      base[i] = 0.05;
      sd[i] = 1; // bursts are sized in counts
    }
  }
  const shift = new Float64Array(SUITE_POINTS);
  const noiseFactor = new Float64Array(SUITE_POINTS).fill(1);
  const bump = new Float64Array(SUITE_POINTS);
  const events: SuiteEvent[] = [];
  plan.forEach((step, k) => {
    const s = starts[k];
    if (step.type === "level_shift") {
      // Permanent: from here on this is the metric's level (in the sd where it starts).
      const d = kind === "sparse" ? step.size : step.size * sd[s];
      for (let i = s; i < SUITE_POINTS; i++) shift[i] += d;
      events.push({ type: step.type, size: step.size, start: s, end: s + step.points - 1 });
    } else if (step.type === "variance") {
      for (let i = s; i < s + step.points; i++) noiseFactor[i] = step.size;
      events.push({ type: step.type, size: step.size, start: s, end: s + step.points - 1 });
    } else {
      const sign = step.type === "drop" ? -1 : 1;
      for (let i = s; i < s + step.points; i++) bump[i] = sign * step.size * sd[i];
      events.push({ type: step.type, size: step.size, start: s, end: s + step.points - 1 });
    }
  });
  const values = new Array<number>(SUITE_POINTS);
  for (let i = 0; i < SUITE_POINTS; i++) {
    if (kind === "counts" || kind === "sparse") {
      const lambda = Math.max(0.01, base[i] + shift[i]);
      const x = poisson(rng, lambda);
      const v = lambda + (x - lambda) * noiseFactor[i] + bump[i];
      values[i] = Math.max(0, Math.round(v));
    } else {
      const v = base[i] + shift[i] + sd[i] * noiseFactor[i] * gaussian(rng) + bump[i];
      values[i] = Math.max(0, Math.round(v * 1000) / 1000);
    }
  }
  return { metric: `${kind}_${n}`, kind, timestamps: timestamps(), values, events };
}

/** One anomaly-free metric: Gaussian noise around 100 (sd 5), with a daily cycle and / or a trend. */
function noiseSeries(rng: Rng, kind: NoiseKind, n: number): SuiteSeries {
  const withDaily = kind === "noise_daily" || kind === "noise_daily_trend";
  const withTrend = kind === "noise_trend" || kind === "noise_daily_trend";
  const sd = 5;
  const amplitude = withDaily ? rng.uniform(2, 6) * sd : 0;
  // The trend moves the level by 2-6 sd over the 30 days, up or down.
  const drift = withTrend ? (rng.random() < 0.5 ? -1 : 1) * rng.uniform(2, 6) * sd : 0;
  const values = Array.from({ length: SUITE_POINTS }, (_, i) => {
    const v = 100 + amplitude * daily(i) + (drift * i) / SUITE_POINTS + sd * gaussian(rng);
    return Math.round(v * 1000) / 1000;
  });
  return { metric: `${kind}_${n}`, kind, timestamps: timestamps(), values, events: [] };
}

/**
 * The suite of `seed`: 4 incident series of each kind (20 series) and 25 noise metrics of each noise kind
 * (100 metrics). Each series has its own generator, derived from the seed and its position.
 */
export function generateSuite(seed = SUITE_SEED): { incidents: SuiteSeries[]; noise: SuiteSeries[] } {
  const incidents: SuiteSeries[] = [];
  const noise: SuiteSeries[] = [];
  INCIDENT_KINDS.forEach((kind, k) => {
    for (let n = 0; n < 4; n++) incidents.push(incidentSeries(new Rng(seed * 1000 + k * 10 + n), kind, n));
  });
  NOISE_KINDS.forEach((kind, k) => {
    for (let n = 0; n < 25; n++) noise.push(noiseSeries(new Rng(seed * 1000 + 500 + k * 25 + n), kind, n));
  });
  return { incidents, noise };
}
