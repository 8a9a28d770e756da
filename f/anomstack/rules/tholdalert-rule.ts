// The static threshold rule with a snooze that works across runs (docs/differences.md #7):
// stored threshold alerts count towards the snooze. Pure.
//nobundling
import { isSnoozed } from "./alert-rule.ts";

/** One value of a metric, oldest first. `alerted` = a threshold alert is already stored for it. */
export interface TholdalertPoint {
  timestamp: number;
  value: number;
  alerted: boolean;
}

/** Bounds from `tholdalert_thresholds[metric]`; a value strictly above upper or below lower breaches. */
export interface TholdalertBounds {
  upper?: number;
  lower?: number;
}

export interface TholdalertParams {
  /** Only the newest `recent_n` values are checked (`tholdalert_recent_n`); Infinity = all (replay). */
  recent_n: number;
  /** After a breach alert, the next `snooze_n` values cannot alert (`tholdalert_snooze_n`). */
  snooze_n: number;
}

export interface TholdalertBreach {
  index: number;
  timestamp: number;
  value: number;
  threshold_type: "upper" | "lower";
  threshold_value: number;
}

/** Decide which of the newest values breach their bounds, oldest first, honouring the snooze. */
export function decideTholdalertBreaches(points: readonly TholdalertPoint[], bounds: TholdalertBounds, p: TholdalertParams): TholdalertBreach[] {
  const flags = points.map((x) => x.alerted);
  const first = Number.isFinite(p.recent_n) ? Math.max(0, points.length - p.recent_n) : 0;
  const out: TholdalertBreach[] = [];
  for (let i = first; i < points.length; i++) {
    const { value, timestamp } = points[i];
    if (flags[i] || isSnoozed(flags, i, p.snooze_n)) continue;
    let breach: TholdalertBreach | undefined;
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
