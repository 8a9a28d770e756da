// Shared by the alerting jobs: build flag rows and alert messages, save the rows, then deliver.
import { alertTitle, deliverAlerts, formatMinute, type Alert, type AlertKind, type DeliveryReport, type TagValue } from "../alerts/channel.ts";
import type { MetricRow, MetricType } from "../store/metric-row.ts";
import type { JobContext } from "../runtime/context.ts";

/** A flag row (value 1) of `type` at `timestamp`, e.g. an alert. */
export function flagRow(ctx: JobContext, metric: string, type: MetricType, timestamp: number, metadata?: object): MetricRow {
  return {
    metric_timestamp: new Date(timestamp),
    metric_batch: ctx.cfg.metric_batch,
    metric_name: metric,
    metric_type: type,
    metric_value: 1,
    metadata: metadata ? JSON.stringify(metadata) : "",
  };
}

/** An alert message with the original's title and tags, plus the metric's `metric_tags`. */
export function buildAlert(
  ctx: JobContext,
  kind: AlertKind,
  metric: string,
  point: { timestamp: number; value: number; score?: number; threshold?: number },
  extra: { titleDetail?: string; description?: string; tags?: Record<string, TagValue> } = {},
): Alert {
  const at = new Date(point.timestamp);
  const tags: Record<string, TagValue> = {
    metric_batch: ctx.cfg.metric_batch,
    metric_name: metric,
    metric_timestamp: formatMinute(at),
    alert_type: kind,
    ...extra.tags,
    ...(ctx.cfg.metric_tags?.[metric] ?? {}),
  };
  return {
    kind,
    batch: ctx.cfg.metric_batch,
    metric,
    timestamp: at,
    value: point.value,
    score: point.score,
    threshold: point.threshold,
    title: alertTitle(kind, metric, at, extra.titleDetail),
    description: extra.description,
    tags,
  };
}

/**
 * Save the flag rows first (one transaction; already-stored points are skipped), then deliver the
 * alerts. Saving first means a re-run never alerts the same point twice.
 */
export async function saveAndDeliver(
  ctx: JobContext,
  rows: MetricRow[],
  alerts: Alert[],
): Promise<{ saved: number; delivery: DeliveryReport }> {
  const saved = await ctx.store.append(rows);
  const delivery = await deliverAlerts(alerts, ctx.channels, ctx.log);
  return { saved, delivery };
}
