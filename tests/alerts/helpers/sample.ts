// Sample alerts for the channel tests: fixed values, so every rendered message can be asserted exactly.
import type { Alert, SeriesPoint } from "../../../f/anomstack/alerts/channel.ts";

export const AT = new Date("2026-03-01T12:00:00Z");
const STEP = 300_000;

/** 12 points ending at AT: values 10, 11, 10, 11, ... and 30 at the end (the alert). */
export function sampleSeries(): SeriesPoint[] {
  return Array.from({ length: 12 }, (_, i) => ({
    timestamp: AT.getTime() - (11 - i) * STEP,
    value: i === 11 ? 30 : 10 + (i % 2),
    score: i === 11 ? 0.93 : 0.2,
    marks: i === 11 ? ["anomaly"] : [],
  }));
}

export function sampleAlert(extra: Partial<Alert> = {}): Alert {
  return {
    kind: "anomaly",
    batch: "shop",
    metric: "orders",
    timestamp: AT,
    value: 30,
    score: 0.93,
    threshold: 0.8,
    title: "🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥",
    tags: {
      metric_batch: "shop",
      metric_name: "orders",
      metric_timestamp: "2026-03-01 12:00",
      alert_type: "anomaly",
      priority: "high",
      team: "sales",
    },
    series: sampleSeries(),
    scoreLabel: "anomaly score (smoothed)",
    scoreThreshold: 0.8,
    expected: { lower: 10, upper: 11, basis: "values scored below 0.80 in the last 12 points" },
    ...extra,
  };
}
