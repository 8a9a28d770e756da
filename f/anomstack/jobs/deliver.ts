// Exactly-once delivery of alerts (docs/alerts.md, "Delivery"): an alert's flag row is saved together
// with the alert (to rebuild its message) and one delivery record per channel and destination, all
// "pending". Each record is then sent and updated in place (sent, or still pending with the error);
// every run of the job first sends what an earlier run left pending. A crash or retry therefore
// neither loses a notification nor repeats one that went out; a record is given up after
// alert_delivery_retry_hours. Only the flag row's metadata is updated; the row itself is written once.
import type { Alert, AlertChannel, AlertKind, ExpectedRange, TagValue } from "../alerts/channel.ts";
import { PartialSendError } from "../alerts/channel.ts";
import { alertNotice } from "../alerts/format.ts";
import { errorMessage } from "../core/errors.ts";
import type { JobContext } from "./job-context.ts";
import { toMillis } from "../core/time.ts";
import { alertJobOf, sqlIdent } from "../config/index.ts";
import type { MetricRow, MetricType } from "../store/metric-row.ts";
import type { MadModel } from "../ml/mad.ts";
import { renderAlertPlot } from "../charts/index.ts";
import { alertSeries, loadPlotRows, scorePanel, type PlotRow } from "./plot-series.ts";
import { sqlTimestamp } from "../core/time.ts";

/** The alert as kept in its flag row's metadata (key `alert`), enough to rebuild the message later. */
export interface StoredAlert {
  kind: AlertKind;
  title: string;
  value: number;
  score?: number;
  threshold?: number;
  description?: string;
  tags: Record<string, TagValue>;
  expected?: ExpectedRange;
  bounds?: { upper?: number; lower?: number };
  explanations?: { timestamp: string; value: number; explanation: string }[];
  /** Change alerts: the fitted MAD model, to draw every point's change score. */
  mad?: MadModel;
}

export type DeliveryStatus = "pending" | "sent" | "failed" | "skipped";

/** One channel + destination of one alert (metadata key `deliveries`). */
export interface DeliveryRecord {
  channel: string;
  to: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the alert was raised (the job's `now`), ISO; the retry window starts here. */
  created_at: string;
  sent_at?: string;
  /** Why the last attempt failed, or why it was never tried. */
  error?: string;
  /** Sent, but with a problem (e.g. some recipients rejected). */
  warning?: string;
  /** Progress of a send that got part-way (see PartialSendError). */
  state?: Record<string, string>;
}

/** What a job reports about delivery. */
export interface DeliverySummary {
  /** Deliveries that went out in this run (new alerts and retries of earlier ones). */
  sent: number;
  /** Deliveries still pending after this run (retried on the next run). */
  pending: number;
  /** Deliveries that failed in this run, with the reason (secrets redacted). */
  failed: { metric: string; timestamp: string; channel: string; to: string; error: string }[];
}

interface OutboxRow {
  metric: string;
  timestamp: number;
  metadata: Record<string, unknown>;
  fresh: boolean;
}

/** Rebuild the Alert of a stored row, with its plot series. */
export function alertFromStored(ctx: JobContext, metric: string, timestamp: number, s: StoredAlert, rows: readonly PlotRow[] = []): Alert {
  const panel = scorePanel(ctx.cfg, s.kind);
  return {
    kind: s.kind,
    batch: ctx.cfg.metric_batch,
    metric,
    timestamp: new Date(timestamp),
    value: s.value,
    score: s.score,
    threshold: s.threshold,
    title: s.title,
    description: s.description,
    tags: s.tags,
    series: alertSeries(ctx.cfg, rows, { kind: s.kind, timestamp, value: s.value, mad: s.mad }),
    scoreLabel: panel.scoreLabel,
    scoreThreshold: panel.scoreThreshold,
    bounds: s.bounds,
    expected: s.expected,
    explanations: s.explanations?.map((e) => ({ ...e, timestamp: new Date(e.timestamp) })),
  };
}

async function pendingRows(ctx: JobContext, type: MetricType): Promise<OutboxRow[]> {
  const rows = await ctx.store.query<{ metric_timestamp: Date; metric_name: string; metadata: string }>(
    `select metric_timestamp, metric_name, metadata from ${sqlIdent(ctx.store.tableKey)}
     where metric_batch = ? and metric_type = ? and metadata like ?
     order by metric_timestamp, metric_name`,
    [ctx.cfg.metric_batch, type, '%"status":"pending"%'],
  );
  const out: OutboxRow[] = [];
  for (const r of rows) {
    try {
      out.push({ metric: r.metric_name, timestamp: toMillis(r.metric_timestamp), metadata: JSON.parse(r.metadata), fresh: false });
    } catch {
      ctx.log.warn(
        `${r.metric_name}: the metadata of the ${type} row at ${new Date(toMillis(r.metric_timestamp)).toISOString()} is not JSON; not delivered`,
      );
    }
  }
  return out;
}

/** Replace the metadata of the row (portable SQL: the timestamp is bound as 'YYYY-MM-DD HH:MM:SS.mmm' UTC). */
async function saveMetadata(ctx: JobContext, type: MetricType, row: OutboxRow): Promise<void> {
  await ctx.store.exec(
    `update ${sqlIdent(ctx.store.tableKey)} set metadata = ?
     where metric_batch = ? and metric_name = ? and metric_type = ? and metric_timestamp = cast(? as timestamp)`,
    [JSON.stringify(row.metadata), ctx.cfg.metric_batch, row.metric, type, sqlTimestamp(row.timestamp)],
  );
}

/**
 * Send the pending deliveries of the batch's `kind` alerts: those of `fresh` rows (just saved by the
 * job) and those an earlier run left pending. New alerts also go to the channels that get every alert
 * (console). Each delivery's record is updated right after its attempt.
 */
export async function deliverStoredAlerts(ctx: JobContext, kind: AlertKind, fresh: readonly MetricRow[]): Promise<DeliverySummary> {
  const type = alertJobOf(kind);
  const summary: DeliverySummary = { sent: 0, pending: 0, failed: [] };
  const work = new Map<string, OutboxRow>();
  for (const r of fresh) {
    if (!r.metadata) continue;
    const row = { metric: r.metric_name, timestamp: r.metric_timestamp.getTime(), metadata: JSON.parse(r.metadata), fresh: true };
    if (row.metadata.alert) work.set(`${row.metric}\u0001${row.timestamp}`, row);
  }
  for (const r of await pendingRows(ctx, type)) {
    const key = `${r.metric}\u0001${r.timestamp}`;
    // The stored metadata is the truth (a concurrent run may have updated it); freshness is ours.
    work.set(key, { ...r, fresh: work.get(key)?.fresh ?? false });
  }
  if (work.size === 0) return summary;

  let plotRows = new Map<string, PlotRow[]>();
  try {
    plotRows = await loadPlotRows(ctx, type, [...new Set([...work.values()].map((w) => w.metric))]);
  } catch (e) {
    ctx.log.warn(`the alert plots have no data (plot_sql failed: ${errorMessage(e)}); alerts are sent without them`);
  }
  const byName = new Map(ctx.channels.filter((c) => !c.everyAlert).map((c) => [c.name, c]));
  const everyAlert = ctx.channels.filter((c) => c.everyAlert);
  const retryMs = ctx.cfg.alert_delivery_retry_hours * 3_600_000;
  const batch = ctx.cfg.metric_batch;

  for (const row of [...work.values()].sort((a, b) => a.timestamp - b.timestamp || (a.metric < b.metric ? -1 : 1))) {
    const stored = row.metadata.alert as StoredAlert;
    const alert = alertFromStored(ctx, row.metric, row.timestamp, stored, plotRows.get(row.metric));
    const at = new Date(row.timestamp).toISOString();
    const what = `${batch} ${row.metric}: ${kind} alert at ${at}`;
    if (row.fresh) {
      for (const c of everyAlert) {
        await c.send(alertNotice(alert), "").catch((e) => ctx.log.warn(`${what}: ${c.name} failed: ${errorMessage(e)}`));
      }
    }
    const deliveries = (row.metadata.deliveries ?? []) as DeliveryRecord[];
    let png: Uint8Array | undefined;
    let rendered = false;
    for (const d of deliveries) {
      if (d.status !== "pending") continue;
      if (ctx.now.getTime() - Date.parse(d.created_at) > retryMs) {
        d.status = "failed";
        d.error = `gave up after ${d.attempts} attempt(s) in ${ctx.cfg.alert_delivery_retry_hours} h (alert_delivery_retry_hours)${d.error ? `; last error: ${d.error}` : ""}`;
        ctx.log.error(`${what} was not sent by ${d.channel} to ${d.to}: ${d.error}`);
        summary.failed.push({ metric: row.metric, timestamp: at, channel: d.channel, to: d.to, error: d.error });
        await saveMetadata(ctx, type, row);
        continue;
      }
      const channel = byName.get(d.channel);
      d.attempts++;
      if (!channel) {
        d.error = `${d.channel} is not configured any more`;
      } else {
        if (!rendered) {
          rendered = true;
          try {
            png = renderAlertPlot(alert);
          } catch (e) {
            ctx.log.warn(`${what}: the plot could not be drawn (${errorMessage(e)}); sent without it`);
          }
        }
        try {
          const receipt = await channel.send(alertNotice(alert, png), d.to, d.state);
          d.status = "sent";
          d.sent_at = ctx.now.toISOString();
          delete d.error;
          delete d.state;
          summary.sent++;
          ctx.log.info(`${what} sent by ${d.channel} to ${d.to}${d.attempts > 1 ? ` (attempt ${d.attempts})` : ""}`);
          if (receipt?.warnings?.length) {
            d.warning = receipt.warnings.join("; ");
            ctx.log.error(`${what}: ${d.channel}: ${d.warning}`);
          }
        } catch (e) {
          d.error = errorMessage(e);
          if (e instanceof PartialSendError) d.state = { ...d.state, ...e.state };
        }
      }
      if (d.status === "pending") {
        const until = new Date(Date.parse(d.created_at) + retryMs).toISOString();
        ctx.log.error(`${what} not sent by ${d.channel} to ${d.to}: ${d.error} (attempt ${d.attempts}; retried by the next run until ${until})`);
        summary.failed.push({ metric: row.metric, timestamp: at, channel: d.channel, to: d.to, error: d.error ?? "" });
      }
      await saveMetadata(ctx, type, row);
    }
    summary.pending += deliveries.filter((d) => d.status === "pending").length;
  }
  return summary;
}

/** The channels alert_methods can name (not the ones that get every alert). */
export function methodChannels(channels: readonly AlertChannel[]): Map<string, AlertChannel> {
  return new Map(channels.filter((c) => !c.everyAlert).map((c) => [c.name, c]));
}
