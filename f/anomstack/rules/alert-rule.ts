// The anomaly-alert rule (the original's alerts.sql as intended, docs/differences.md #2):
// trailing score smoothing, threshold on the newest points, snooze after an alert. Pure.
//nobundling

/** One scored point of a metric, oldest first. `alerted` = an alert is already stored for it. */
export interface ScoredPoint {
  timestamp: number;
  value: number;
  score: number;
  alerted: boolean;
}

export interface AnomalyAlertParams {
  /** Older points averaged with the current score (`alert_smooth_n`); 0 = no smoothing. */
  smooth_n: number;
  /** After an alert, the next `snooze_n` points cannot alert (`alert_snooze_n`). */
  snooze_n: number;
  /** Smoothed score at or above this alerts (`alert_threshold`). */
  threshold: number;
  /** Only the newest `recent_n` points may alert (`alert_recent_n`); Infinity = every point (replay). */
  recent_n: number;
  /** Alert the newest points whatever their score (`alert_always`, for testing channels). Snooze still applies. */
  always: boolean;
}

export interface AnomalyAlertDecision {
  index: number;
  timestamp: number;
  value: number;
  score: number;
  score_smooth: number;
}

/**
 * Trailing mean of the current score and the `smooth_n` scores before it (fewer at the start).
 * @example smoothScores([0, 1, 1, 1, 0], 2) // => [0, 0.5, 0.6667, 1, 0.6667]
 */
export function smoothScores(scores: readonly number[], smooth_n: number): number[] {
  // Summed afresh per point (windows are small): a running sum would drift, e.g. 1 becoming 0.9999999999999998.
  return scores.map((_, i) => {
    const from = Math.max(0, i - smooth_n);
    let sum = 0;
    for (let j = from; j <= i; j++) sum += scores[j];
    return sum / (i - from + 1);
  });
}

/**
 * Decide which points alert. Candidates are the newest `recent_n` points without a stored alert,
 * visited oldest first; a candidate alerts when its smoothed score ≥ threshold (or `always`) and none of
 * the `snooze_n` points before it alerted, counting stored alerts and the ones decided in this call.
 */
export function decideAnomalyAlerts(points: readonly ScoredPoint[], p: AnomalyAlertParams): AnomalyAlertDecision[] {
  const smooth = smoothScores(
    points.map((x) => x.score),
    p.smooth_n,
  );
  const alerted = points.map((x) => x.alerted);
  const first = Number.isFinite(p.recent_n) ? Math.max(0, points.length - p.recent_n) : 0;
  const out: AnomalyAlertDecision[] = [];
  for (let i = first; i < points.length; i++) {
    if (alerted[i]) continue;
    if (!(p.always || smooth[i] >= p.threshold)) continue;
    if (isSnoozed(alerted, i, p.snooze_n)) continue;
    alerted[i] = true;
    const x = points[i];
    out.push({ index: i, timestamp: x.timestamp, value: x.value, score: x.score, score_smooth: smooth[i] });
  }
  return out;
}

/** True when one of the `snooze_n` entries before `i` is set. */
export function isSnoozed(flags: readonly boolean[], i: number, snooze_n: number): boolean {
  for (let j = Math.max(0, i - snooze_n); j < i; j++) if (flags[j]) return true;
  return false;
}
