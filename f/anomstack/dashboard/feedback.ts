// Feedback from the dashboard: a person's thumbs up or thumbs down on one point of a metric.
// Thumbs up = the alert was right, down = it was not; stored as a `thumbsup` / `thumbsdown` row (value 1) at the point's timestamp.
// Every field is checked against the config and the store; a changed mind replaces the other kind.
//nobundling
import { deletePointsWithin, hasMetric, pointWithin } from "../store/queries.ts";
import { dashboardBatch, dashboardScope, withBatchStore, type DashboardOptions } from "./dashboard-context.ts";
import { DashboardInputError } from "./errors.ts";
import type { FeedbackKind, FeedbackResult } from "./types.ts";
import { parseUtc } from "../core/time.ts";

export const FEEDBACK_KINDS: readonly FeedbackKind[] = ["thumbsup", "thumbsdown"];

export interface FeedbackInput {
  batch: unknown;
  metric: unknown;
  timestamp: unknown;
  kind: unknown;
}

/** Parse an ISO-8601 timestamp (no zone = UTC), or throw a DashboardInputError naming `timestamp`. */
export function parseFeedbackTimestamp(v: unknown): Date {
  if (typeof v !== "string" || v.trim() === "")
    throw new DashboardInputError("timestamp", "expected an ISO-8601 timestamp such as 2024-01-01T00:00:00Z");
  const s = v.trim();
  const iso = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,9})?)?([zZ]|[+-]\d\d:?\d\d)?$/;
  const d = new Date(iso.test(s) ? parseUtc(s) : Number.NaN);
  if (!Number.isFinite(d.getTime())) {
    throw new DashboardInputError("timestamp", `"${s.slice(0, 40)}" is not an ISO-8601 timestamp such as 2024-01-01T00:00:00Z`);
  }
  return d;
}

function checkKind(kind: unknown): FeedbackKind {
  if (typeof kind === "string" && (FEEDBACK_KINDS as readonly string[]).includes(kind)) return kind as FeedbackKind;
  const got = typeof kind === "string" ? `"${kind.slice(0, 40)}"` : kind === undefined ? "nothing" : typeof kind;
  throw new DashboardInputError("kind", `expected "thumbsup" or "thumbsdown", got ${got}`);
}

function checkMetric(metric: unknown): string {
  if (typeof metric !== "string" || metric === "") throw new DashboardInputError("metric", "expected a metric name");
  if (metric.length > 500) throw new DashboardInputError("metric", "is longer than 500 characters");
  return metric;
}

/**
 * Store one person's feedback on a point.
 * @throws DashboardInputError naming the first bad field: `batch` (not a batch the dashboard shows),
 * `metric` (the batch has no such metric), `timestamp` (not ISO-8601, or the metric has no point
 * then), `kind` (not thumbsup / thumbsdown).
 */
export async function storeFeedback(input: FeedbackInput, opts: DashboardOptions = {}): Promise<FeedbackResult> {
  const scope = dashboardScope(opts);
  const cfg = dashboardBatch(scope, input.batch);
  const metric = checkMetric(input.metric);
  const at = parseFeedbackTimestamp(input.timestamp);
  const kind = checkKind(input.kind);
  return withBatchStore(scope, cfg, async (store) => {
    if (!store || !(await hasMetric(store, cfg.metric_batch, metric)))
      throw new DashboardInputError("metric", `batch "${cfg.metric_batch}" has no metric "${metric.slice(0, 80)}"`);
    // The stored point within the same millisecond (the store and the app work in milliseconds).
    const ts = await pointWithin(store, cfg.metric_batch, metric, "metric", at.getTime(), at.getTime() + 1);
    if (!ts) {
      throw new DashboardInputError(
        "timestamp",
        `metric "${metric.slice(0, 80)}" of batch "${cfg.metric_batch}" has no point at ${at.toISOString()}`,
      );
    }
    const other = kind === "thumbsup" ? "thumbsdown" : "thumbsup";
    const replaced = await store.transaction(async () => {
      const n = await deletePointsWithin(store, cfg.metric_batch, metric, other, ts.getTime(), ts.getTime() + 1);
      await store.append([
        { metric_timestamp: ts, metric_batch: cfg.metric_batch, metric_name: metric, metric_type: kind, metric_value: 1, metadata: "" },
      ]);
      return n;
    });
    return {
      stored: { metric_timestamp: ts.toISOString(), metric_batch: cfg.metric_batch, metric_name: metric, metric_type: kind, metric_value: 1 },
      replaced,
    };
  });
}
