// Shared by the alerting jobs: build flag rows and the alerts they carry, plan each alert's deliveries
// (alert_methods / tholdalert_methods, alert_routes), save the rows once, then deliver (./deliver.ts).
//nobundling
import { alertTitle, formatMinute, type AlertKind, type ExpectedRange, type TagValue } from "../alerts/channel.ts";
import { planDeliveries, type AlertRoute } from "../alerts/routes.ts";
import type { MetricRow, MetricType } from "../store/metric-row.ts";
import type { JobContext } from "./job-context.ts";
import type { MadModel } from "../ml/mad.ts";
import { alertJobOf } from "../config/index.ts";
import { readAlertRows } from "../store/alert-rows.ts";
import { openOutbox, type NewOutboxRecord } from "../store/outbox.ts";
import { announceFresh, deliverPending, type DeliverySummary, type StoredAlert } from "./deliver.ts";

export type { DeliverySummary } from "./deliver.ts";

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

/** An alert the job decided to raise: its point, the kind's own flag-row metadata, and the alert. */
export interface NewAlert {
  metric: string;
  timestamp: number;
  /** Kind-specific metadata of the flag row (scores, thresholds, the LLM explanation). */
  metadata: Record<string, unknown>;
  alert: StoredAlert;
}

/** The alert of one point with the original's title and tags, plus the metric's `metric_tags`. */
export function buildAlert(
  ctx: JobContext,
  kind: AlertKind,
  metric: string,
  point: { timestamp: number; value: number; score?: number; threshold?: number },
  extra: {
    titleDetail?: string;
    description?: string;
    tags?: Record<string, TagValue>;
    expected?: ExpectedRange;
    bounds?: { upper?: number; lower?: number };
    mad?: MadModel;
    explanations?: StoredAlert["explanations"];
  } = {},
): StoredAlert {
  const at = new Date(point.timestamp);
  const tags: Record<string, TagValue> = {
    metric_batch: ctx.cfg.metric_batch,
    metric_name: metric,
    metric_timestamp: formatMinute(at),
    alert_type: kind,
    ...extra.tags,
    // docs/differences.md #8: the original's LLM alerts left metric_tags out; every kind carries them here.
    ...(ctx.cfg.metric_tags?.[metric] ?? {}),
  };
  const stored: StoredAlert = { kind, title: alertTitle(kind, metric, at, extra.titleDetail), value: point.value, tags };
  if (point.score !== undefined) stored.score = point.score;
  if (point.threshold !== undefined) stored.threshold = point.threshold;
  if (extra.description) stored.description = extra.description;
  if (extra.expected) stored.expected = extra.expected;
  if (extra.bounds) stored.bounds = extra.bounds;
  if (extra.mad) stored.mad = extra.mad;
  if (extra.explanations) stored.explanations = extra.explanations;
  return stored;
}

/** The methods setting of a kind: threshold alerts use tholdalert_methods, the others alert_methods. */
export function methodsOf(ctx: JobContext, kind: AlertKind): { spec: string; key: string } {
  return kind === "threshold"
    ? { spec: ctx.cfg.tholdalert_methods, key: "tholdalert_methods" }
    : { spec: ctx.cfg.alert_methods, key: "alert_methods" };
}

/**
 * Save the alerts' flag rows (one transaction; already-stored points are skipped, so a re-run never
 * alerts a point twice), each with its alert and planned deliveries, plus `extraRows`; then deliver
 * everything pending of this kind (see ./deliver.ts).
 */
export async function saveAndDeliver(
  ctx: JobContext,
  kind: AlertKind,
  alerts: readonly NewAlert[],
  extraRows: readonly MetricRow[] = [],
): Promise<{ saved: number; delivery: DeliverySummary }> {
  const { spec, key } = methodsOf(ctx, kind);
  // the channels alert_methods can name (not the ones that get every alert)
  const channels = new Map(ctx.channels.filter((c) => !c.everyAlert).map((c) => [c.name, c]));
  const routes = (ctx.cfg.alert_routes ?? []) as AlertRoute[];
  const batch = ctx.cfg.metric_batch;
  const type = alertJobOf(kind);
  const planFailures: DeliverySummary["failed"] = [];
  const records: NewOutboxRecord[] = [];
  const rows: MetricRow[] = alerts.map((a) => {
    const plan = planDeliveries(spec, key, a.alert.tags, routes, channels);
    const what = `${batch} ${a.metric}: ${kind} alert at ${new Date(a.timestamp).toISOString()}`;
    if (plan.problem) ctx.log.warn(`${what} saved but not sent: ${plan.problem}`);
    for (const d of plan.deliveries) {
      if (d.status !== "failed") continue;
      if (!plan.problem) ctx.log.error(`${what} not sent by ${d.channel}: ${d.error}`);
      planFailures.push({ metric: a.metric, timestamp: new Date(a.timestamp).toISOString(), channel: d.channel, to: d.to, error: d.error ?? "" });
    }
    for (const d of plan.deliveries) {
      records.push({
        batch,
        metric: a.metric,
        type,
        timestamp: a.timestamp,
        channel: d.channel,
        to: d.to,
        status: d.status,
        createdAt: ctx.now.getTime(),
        error: d.error,
      });
    }
    return flagRow(ctx, a.metric, type, a.timestamp, { ...a.metadata, alert: a.alert });
  });
  const outbox = await openOutbox(ctx.store);
  // One transaction: the rows this run adds (a point already alerted is not alerted again, also when
  // another run saved it a moment ago) and their deliveries.
  const { saved, fresh } = await ctx.store.transaction(async () => {
    const fresh = await notStoredYet(ctx, type, rows);
    const freshKeys = new Set(fresh.map((r) => `${r.metric_name}\u0001${r.metric_timestamp.getTime()}`));
    const saved = await ctx.store.append([...fresh, ...extraRows]);
    await outbox.add(records.filter((r) => freshKeys.has(`${r.metric}\u0001${r.timestamp}`)));
    return { saved, fresh };
  });
  await announceFresh(ctx, kind, fresh);
  // In a run with a deliver step, that step sends every kind of an incident together.
  const delivery = ctx.deferDelivery
    ? { sent: 0, pending: records.filter((r) => r.status === "pending").length, failed: [] }
    : await deliverPending(ctx, [kind]);
  return { saved, delivery: { ...delivery, failed: [...planFailures, ...delivery.failed] } };
}

/** The flag rows among `rows` that are not stored yet. */
async function notStoredYet(ctx: JobContext, type: string, rows: readonly MetricRow[]): Promise<MetricRow[]> {
  if (rows.length === 0) return [];
  const times = rows.map((r) => r.metric_timestamp.getTime());
  const stored = await readAlertRows(ctx.store, ctx.cfg.metric_batch, type, Math.min(...times), Math.max(...times));
  const have = new Set(stored.map((r) => `${r.metric_name}\u0001${r.metric_timestamp.getTime()}`));
  return rows.filter((r) => !have.has(`${r.metric_name}\u0001${r.metric_timestamp.getTime()}`));
}
