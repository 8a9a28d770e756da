// The static threshold rule (anomstack-behaviour §3.8) with a snooze that works across runs (§10.7):
// stored threshold alerts count towards the snooze. Pure.
import { isSnoozed } from "./alert-rule.ts";

/** One value of a metric, oldest first. `alerted` = a threshold alert is already stored for it. */
export interface ThresholdPoint {
  timestamp: number;
  value: number;
  alerted: boolean;
}

/** Bounds from `tholdalert_thresholds[metric]`; a value strictly above upper or below lower breaches. */
export interface ThresholdBounds {
  upper?: number;
  lower?: number;
}

export interface ThresholdParams {
  /** Only the newest `recent_n` values are checked (`tholdalert_recent_n`); Infinity = all (replay). */
  recent_n: number;
  /** After a breach alert, the next `snooze_n` values cannot alert (`tholdalert_snooze_n`). */
  snooze_n: number;
}

export interface ThresholdBreach {
  index: number;
  timestamp: number;
  value: number;
  threshold_type: "upper" | "lower";
  threshold_value: number;
}

/** Decide which of the newest values breach their bounds, oldest first, honouring the snooze. */
export function decideThresholdBreaches(
  points: readonly ThresholdPoint[],
  bounds: ThresholdBounds,
  p: ThresholdParams,
): ThresholdBreach[] {
  const flags = points.map((x) => x.alerted);
  const first = Number.isFinite(p.recent_n) ? Math.max(0, points.length - p.recent_n) : 0;
  const out: ThresholdBreach[] = [];
  for (let i = first; i < points.length; i++) {
    const { value, timestamp } = points[i];
    if (flags[i] || isSnoozed(flags, i, p.snooze_n)) continue;
    let breach: ThresholdBreach | undefined;
    if (bounds.upper !== undefined && value > bounds.upper) {
      breach = { index: i, timestamp, value, threshold_type: "upper", threshold_value: bounds.upper };
    } else if (bounds.lower !== undefined && value < bounds.lower) {
      breach = { index: i, timestamp, value, threshold_type: "lower", threshold_value: bounds.lower };
    }
    if (breach) {
      flags[i] = true;
      out.push(breach);
    }
  }
  return out;
}
