// The long-format row every job reads and writes, and its types.
// Pure: no I/O.
//nobundling

import type { AlertJobName } from "../config/jobs.ts";

/**
 * Every `metric_type` the table holds: ingested values, scores, the flag rows of each alerting job
 * (named after the job) and the dashboard's feedback.
 */
export type MetricType = "metric" | "score" | AlertJobName | "thumbsup" | "thumbsdown";

/** One row of the metrics table. Timestamps are UTC instants. */
export interface MetricRow {
  metric_timestamp: Date;
  metric_batch: string;
  metric_name: string;
  metric_type: MetricType;
  metric_value: number;
  /** JSON text or "". */
  metadata: string;
}

/** Rows of one batch and metric type as columns (row i = element i of each): a big ingest without an object per row. */
export interface MetricColumns {
  /** Epoch milliseconds. */
  metric_timestamp: number[];
  metric_name: string[];
  metric_value: number[];
  /** JSON text or "". */
  metadata: string[];
}

/**
 * One point with its value, score and alert flags side by side: what `plot_sql` and `dashboard_sql`
 * return (the `per_point_pivot` macro of defaults/sql/macros.sql). Flags are 1 where stored, else 0.
 */
export interface PerPointRow {
  metric_timestamp: Date;
  metric_name: string;
  metric_value: number;
  metric_score: number | null;
  metric_alert: number;
  metric_change: number;
  metric_tholdalert: number;
  metric_llmalert: number;
}

/** 10 ** d for the usual decimals (computed once: ingest and score round millions of values). */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, d) => 10 ** d);

/**
 * Round to `decimals` places exactly as numpy/pandas `round` does (scale, round half to even, unscale),
 * so stored values match the original's. A negative `decimals` means no rounding.
 * @example roundTo(0.12345, 4) // => 0.1234 (0.12345 is stored as 0.123449999...)
 * @example roundTo(2.5, 0) // => 2
 */
export function roundTo(value: number, decimals: number): number {
  if (decimals < 0 || !Number.isFinite(value)) return value;
  const f = POWERS_OF_TEN[decimals] ?? 10 ** decimals;
  const y = value * f;
  let r = Math.round(y);
  if (Math.abs(y % 1) === 0.5 && r % 2 !== 0) r -= 1; // Math.round sends .5 up; numpy sends it to even
  return r / f;
}
