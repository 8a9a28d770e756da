// The change-detection rule (as the original intends: it fires, docs/differences.md #1).
// MAD fitted on the older values, the newest `detect_last_n` values tested against it. Pure.
//nobundling
import { fitMad, madScore, type MadModel } from "../ml/mad.ts";
import { isSnoozed } from "./alert-rule.ts";

/** One value of a metric, oldest first. `changed` = a change alert is already stored for it. */
export interface ChangePoint {
  timestamp: number;
  value: number;
  changed: boolean;
}

export interface ChangeParams {
  /** Modified z-score above which a value is a change (`change_threshold`, strictly greater). */
  threshold: number;
  /** How many newest values are tested (`change_detect_last_n`). */
  detect_last_n: number;
  /** A metric with a stored change among its newest `snooze_n` values is skipped (`change_snooze_n`). */
  snooze_n: number;
}

export interface ChangeDecision {
  index: number;
  timestamp: number;
  value: number;
  score: number;
}

export interface ChangeResult {
  /** Why nothing was tested, if so. */
  skipped?: "snoozed" | "too_few_points";
  /** The MAD score of every point (NaN when skipped). */
  scores: number[];
  changes: ChangeDecision[];
  /** The MAD model fitted on the older values (absent when skipped). */
  model?: MadModel;
}

/** Fewer older values than this make MAD meaningless (the median of 2 values is noise). */
export const MIN_CHANGE_TRAIN_POINTS = 5;

/** Decide which of the newest `detect_last_n` values are changes. */
export function decideChanges(points: readonly ChangePoint[], p: ChangeParams): ChangeResult {
  const n = points.length;
  const nan = () => points.map(() => Number.NaN);
  if (points.slice(Math.max(0, n - p.snooze_n)).some((x) => x.changed)) return { skipped: "snoozed", scores: nan(), changes: [] };
  const trainEnd = n - p.detect_last_n;
  if (trainEnd < MIN_CHANGE_TRAIN_POINTS) return { skipped: "too_few_points", scores: nan(), changes: [] };
  const model = fitMad(points.slice(0, trainEnd).map((x) => x.value));
  const scores = points.map((x) => madScore(model, x.value));
  const flags = points.map((x) => x.changed);
  const changes: ChangeDecision[] = [];
  for (let i = trainEnd; i < n; i++) {
    if (flags[i] || !(scores[i] > p.threshold) || isSnoozed(flags, i, p.snooze_n)) continue;
    flags[i] = true;
    changes.push({ index: i, timestamp: points[i].timestamp, value: points[i].value, score: scores[i] });
  }
  return { scores, changes, model };
}
