// Test helpers for the stores: fresh temp folders, metric rows, and a regex-safe path.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { MetricRow, MetricType } from "../../f/anomstack/store/metric-row.ts";

/** A fresh temp folder for one test. */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-test-"));
}

/** Escape a string (usually a path) for use inside a RegExp. */
export function re(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** One metric row; `minute` counts minutes after 2024-01-01T00:00:00Z. */
export function row(name: string, minute: number, value: number, more: Partial<MetricRow> = {}): MetricRow {
  return {
    metric_timestamp: new Date(Date.UTC(2024, 0, 1, 0, minute)),
    metric_batch: "b",
    metric_name: name,
    metric_type: "metric" as MetricType,
    metric_value: value,
    metadata: "",
    ...more,
  };
}

/** `row` for each [minute, value] pair of one metric. */
export function rows(name: string, points: [number, number][], more: Partial<MetricRow> = {}): MetricRow[] {
  return points.map(([m, v]) => row(name, m, v, more));
}

/** The ISO string of minute `m` after 2024-01-01T00:00:00Z. */
export function iso(m: number): string {
  return new Date(Date.UTC(2024, 0, 1, 0, m)).toISOString();
}
