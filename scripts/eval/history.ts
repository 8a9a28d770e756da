// Reads a batch's stored history for evaluation: every metric's points with their stored score, whether
// an anomaly alert and a change alert are stored, and the dashboard's thumbs up / down.
import type { EvalSeries } from "./evaluate.ts";
import type { FeedbackRow } from "./labels.ts";
import { quoteTable } from "../../f/anomstack/store/dialect.ts";
import { sqlOf } from "../../f/anomstack/store/dialects.ts";
import type { JobContext } from "../../f/anomstack/jobs/job-context.ts";
import { toMillis } from "../../f/anomstack/core/time.ts";
import { sqlTimestamp } from "../../f/anomstack/core/time.ts";

interface Row {
  metric_name: string;
  metric_type: string;
  metric_timestamp: Date;
  metric_value: number;
}

/** The batch's history up to `ctx.now`, one series per metric (metrics excluded from scoring included). */
export async function readEvalHistory(ctx: JobContext): Promise<{ series: EvalSeries[]; feedback: FeedbackRow[] }> {
  const rows = await ctx.store.query<Row>(
    `select metric_name, metric_type, metric_timestamp, avg(metric_value) as metric_value from ${quoteTable(sqlOf(ctx.store), ctx.store.tableKey)}
     where metric_batch = ? and metric_type in ('metric', 'score', 'alert', 'change', 'thumbsup', 'thumbsdown')
       and metric_timestamp <= ${sqlOf(ctx.store).timestamp("?")}
     group by metric_name, metric_type, metric_timestamp
     order by metric_name, metric_timestamp`,
    [ctx.cfg.metric_batch, sqlTimestamp(ctx.now)],
  );
  const points = new Map<string, number[]>();
  const scores = new Map<string, Map<number, number>>();
  const alerts = new Map<string, Set<number>>();
  const changes = new Map<string, Set<number>>();
  const feedback: FeedbackRow[] = [];
  const get = <T>(m: Map<string, T>, k: string, make: () => T): T => {
    let v = m.get(k);
    if (v === undefined) m.set(k, (v = make()));
    return v;
  };
  for (const r of rows) {
    const t = toMillis(r.metric_timestamp);
    if (r.metric_type === "metric") get(points, r.metric_name, () => []).push(t);
    else if (r.metric_type === "score") get(scores, r.metric_name, () => new Map()).set(t, Number(r.metric_value));
    else if (r.metric_type === "alert") get(alerts, r.metric_name, () => new Set()).add(t);
    else if (r.metric_type === "change") get(changes, r.metric_name, () => new Set()).add(t);
    else feedback.push({ metric_name: r.metric_name, metric_timestamp: t, metric_type: r.metric_type as FeedbackRow["metric_type"] });
  }
  const series = [...points].map(([metric, timestamps]) => {
    const s = scores.get(metric);
    const a = alerts.get(metric);
    const c = changes.get(metric);
    return {
      metric,
      timestamps,
      scores: timestamps.map((t) => s?.get(t) ?? Number.NaN),
      alerts: timestamps.map((t) => a?.has(t) ?? false),
      changes: timestamps.map((t) => c?.has(t) ?? false),
    };
  });
  return { series, feedback };
}
