// Daily summary (docs/differences.md #10 fixed): summary_sql runs for every batch (so every
// table is covered, not only the first batch's), giving per-metric counts of values, scores and alerts;
// they are totalled per batch and the most anomalous metrics ranked. Sending is in stages/notices.ts.
//nobundling
import type { SummaryBatch, SummaryMetric, SummaryReport } from "../alerts/format.ts";
import { queryJobSql, type JobContext } from "./job-context.ts";
import { toMillis } from "../core/time.ts";

interface SummarySqlRow {
  metric_name: string;
  n_points: number;
  n_scores: number;
  n_alerts: number | null;
  n_changes: number | null;
  n_tholdalerts: number | null;
  n_llmalerts: number | null;
  mean_score: number | null;
  max_score: number | null;
  last_timestamp: Date | null;
  last_value: number | null;
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const orNull = (v: unknown) => (v === null || v === undefined || !Number.isFinite(Number(v)) ? null : Number(v));

/** One batch's summary: its totals and its metrics. */
export async function summarizeBatch(ctx: JobContext): Promise<{ batch: SummaryBatch; metrics: SummaryMetric[] }> {
  const rows = await queryJobSql<SummarySqlRow>(ctx, "summary", "summary_sql");
  const batch = ctx.cfg.metric_batch;
  const metrics: SummaryMetric[] = rows.map((r) => ({
    batch,
    metric: r.metric_name,
    alerts: num(r.n_alerts) + num(r.n_changes) + num(r.n_tholdalerts) + num(r.n_llmalerts),
    maxScore: orNull(r.max_score),
    meanScore: orNull(r.mean_score),
    lastValue: orNull(r.last_value),
    lastTimestamp: r.last_timestamp ? new Date(toMillis(r.last_timestamp)) : null,
  }));
  const sum = (k: keyof SummarySqlRow) => rows.reduce((n, r) => n + num(r[k]), 0);
  return {
    batch: {
      batch,
      table: ctx.cfg.table_key,
      metrics: rows.length,
      points: sum("n_points"),
      scores: sum("n_scores"),
      alerts: sum("n_alerts"),
      changes: sum("n_changes"),
      tholdalerts: sum("n_tholdalerts"),
      llmalerts: sum("n_llmalerts"),
    },
    metrics,
  };
}

/**
 * The most anomalous metrics: most alerts (of every kind) first, then highest score, then highest
 * mean score; metrics with no alert and no score are left out.
 */
export function rankMetrics(metrics: readonly SummaryMetric[], topN: number): SummaryMetric[] {
  const key = (v: number | null) => (v === null ? -1 : v);
  return metrics
    .filter((m) => m.alerts > 0 || m.maxScore !== null)
    .sort((a, b) => b.alerts - a.alerts || key(b.maxScore) - key(a.maxScore) || key(b.meanScore) - key(a.meanScore) || (a.metric < b.metric ? -1 : 1))
    .slice(0, topN);
}

/** The report of every batch's summary. */
export function buildSummary(
  now: Date,
  parts: readonly { batch: SummaryBatch; metrics: SummaryMetric[]; days: number }[],
  failed: { batch: string; error: string }[],
  topN: number,
): SummaryReport {
  return {
    now,
    days: Math.max(0, ...parts.map((p) => p.days)),
    batches: parts.map((p) => p.batch),
    top: rankMetrics(
      parts.flatMap((p) => p.metrics),
      topN,
    ),
    failed,
  };
}
