// Scores a batch's (replayed) history against labels: the NAB score of its anomaly scores under NAB's
// three profiles, the NAB score of its stored alerts, precision / recall / F1 of its alerts against
// point labels, and the precision of its alerts by the dashboard's thumbs up / down. Pure.
import { NAB_PROFILE_NAMES, NAB_PROFILES, normalizedScore, scoreSeriesAt, scoreSwept, sweepCorpus, type NabProfileName } from "./nab-score.ts";
import { labelKeyToMetric, type PointLabels, type WindowLabels } from "./labels.ts";

/** One metric's stored history, oldest first. */
export interface EvalSeries {
  metric: string;
  timestamps: number[];
  /** The stored anomaly score of each point; NaN where the point has none. */
  scores: number[];
  /** Whether an anomaly alert is stored for the point. */
  alerts: boolean[];
  /** Whether a change alert is stored for the point (absent when not read). */
  changes?: boolean[];
}

/** NAB results of one profile. */
export interface NabProfileEvaluation {
  profile: NabProfileName;
  /** Normalised NAB score: 0 = a detector that never fires, 100 = perfect. */
  score: number;
  /** Windows detected / missed, detections outside windows. */
  tp: number;
  fn: number;
  fp: number;
  /** The corpus-wide score threshold NAB's sweep chose (undefined for the stored alerts). */
  threshold?: number;
}

export interface WindowEvaluation {
  metrics: number;
  points: number;
  windows: number;
  /** Label keys that matched no metric of the batch. */
  unmatched: string[];
  /** NAB's standard method on the scores: one threshold per profile over all metrics, maximising the score. */
  scores: NabProfileEvaluation[];
  /** The stored alerts taken as the detections (what users received). */
  alerts: NabProfileEvaluation[];
}

/**
 * NAB evaluation of series against windows. Label keys are matched to metrics by
 * {@link labelKeyToMetric}; only labelled metrics count (an empty window list = labelled, no anomaly).
 * Points without a score count as score 0. NAB's probation (the first 15% of each series, at most 750
 * points) is not scored.
 */
export function evaluateWindows(series: readonly EvalSeries[], windows: WindowLabels): WindowEvaluation {
  const byMetric = new Map(series.map((s) => [s.metric, s]));
  const names = new Set(byMetric.keys());
  const picked: { s: EvalSeries; w: [number, number][] }[] = [];
  const unmatched: string[] = [];
  for (const [key, w] of windows) {
    const metric = labelKeyToMetric(key, names);
    if (metric === undefined) unmatched.push(key);
    else picked.push({ s: byMetric.get(metric)!, w });
  }
  picked.sort((a, b) => (a.s.metric < b.s.metric ? -1 : a.s.metric > b.s.metric ? 1 : 0));
  const scored = sweepCorpus(
    picked.map(({ s, w }) => ({ name: s.metric, timestamps: s.timestamps, scores: s.scores.map((x) => (Number.isFinite(x) ? x : 0)), windows: w })),
  );
  const alerted = sweepCorpus(
    picked.map(({ s, w }) => ({ name: s.metric, timestamps: s.timestamps, scores: s.alerts.map((a) => (a ? 1 : 0)), windows: w })),
  );
  const windowsCount = scored.reduce((a, s) => a + s.windows, 0);
  return {
    metrics: picked.length,
    points: picked.reduce((a, p) => a + p.s.timestamps.length, 0),
    windows: windowsCount,
    unmatched,
    scores: NAB_PROFILE_NAMES.map((profile) => {
      const r = scoreSwept(scored, profile);
      return { profile, score: r.normalized, tp: r.tp, fn: r.fn, fp: r.fp, threshold: r.threshold };
    }),
    alerts: NAB_PROFILE_NAMES.map((profile) => {
      const per = scoreSeriesAt(alerted, profile, 1);
      const sum = (k: "score" | "tp" | "fn" | "fp") => per.reduce((a, r) => a + r[k], 0);
      return { profile, score: normalizedScore(sum("score"), windowsCount, NAB_PROFILES[profile]), tp: sum("tp"), fn: sum("fn"), fp: sum("fp") };
    }),
  };
}

export interface PointEvaluation {
  metrics: number;
  points: number;
  /** Labelled anomalous points (of the batch's points). */
  labelled: number;
  alerts: number;
  /** Alerts at (or within `tolerance` points after) a labelled point; labelled points caught. */
  true_alerts: number;
  caught: number;
  precision: number;
  recall: number;
  f1: number;
  tolerance: number;
  unmatched: string[];
}

/**
 * Precision, recall and F1 of the stored alerts against point labels. A labelled point is caught when an
 * alert is stored at it or at one of the `tolerance` points after it; an alert is right when a labelled
 * point is at it or at one of the `tolerance` points before it. precision = right alerts / alerts,
 * recall = caught labels / labels, F1 their harmonic mean (0 when both are 0; NaN when undefined, e.g.
 * precision without any alert).
 */
export function evaluatePoints(series: readonly EvalSeries[], labels: PointLabels, tolerance = 0): PointEvaluation {
  if (!Number.isInteger(tolerance) || tolerance < 0) throw new Error(`tolerance must be a non-negative integer, got ${tolerance}`);
  const names = new Set(series.map((s) => s.metric));
  const unmatched = [...labels.keys()].filter((k) => labelKeyToMetric(k, names) === undefined);
  const out = { metrics: 0, points: 0, labelled: 0, alerts: 0, true_alerts: 0, caught: 0 };
  for (const [key, set] of labels) {
    const metric = labelKeyToMetric(key, names);
    const s = series.find((x) => x.metric === metric);
    if (!s) continue;
    out.metrics++;
    out.points += s.timestamps.length;
    const label = s.timestamps.map((t) => set.has(t));
    for (let i = 0; i < label.length; i++) {
      if (s.alerts[i]) {
        out.alerts++;
        let right = false;
        for (let j = Math.max(0, i - tolerance); j <= i && !right; j++) right = label[j];
        if (right) out.true_alerts++;
      }
      if (label[i]) {
        out.labelled++;
        let hit = false;
        for (let j = i; j <= Math.min(label.length - 1, i + tolerance) && !hit; j++) hit = s.alerts[j];
        if (hit) out.caught++;
      }
    }
  }
  const precision = out.alerts ? out.true_alerts / out.alerts : Number.NaN;
  const recall = out.labelled ? out.caught / out.labelled : Number.NaN;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : precision === 0 && recall === 0 ? 0 : Number.NaN;
  return { ...out, precision, recall, f1, tolerance, unmatched };
}

export interface FeedbackEvaluation {
  alerts: number;
  /** Alerts with a thumbs up / down. */
  rated: number;
  up: number;
  down: number;
  /** up / rated (NaN without ratings). */
  precision: number;
}

/** The share of rated alerts users marked right (thumbs up). Feedback at points without an alert is ignored. */
export function evaluateFeedback(series: readonly EvalSeries[], verdicts: ReadonlyMap<string, ReadonlyMap<number, boolean>>): FeedbackEvaluation {
  const out = { alerts: 0, rated: 0, up: 0, down: 0 };
  for (const s of series) {
    const v = verdicts.get(s.metric);
    s.timestamps.forEach((t, i) => {
      if (!s.alerts[i]) return;
      out.alerts++;
      const verdict = v?.get(t);
      if (verdict === undefined) return;
      out.rated++;
      if (verdict) out.up++;
      else out.down++;
    });
  }
  return { ...out, precision: out.rated ? out.up / out.rated : Number.NaN };
}
