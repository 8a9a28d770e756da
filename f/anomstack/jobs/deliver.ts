// Exactly-once delivery of alerts (docs/alerts.md, "Delivery"). An alert's flag row keeps the alert
// (to rebuild its message); the outbox (store/outbox.ts) keeps one record per channel and destination.
// A run sends the pending records of its kind: the ones it just saved and the ones an earlier run left.
// Each record is claimed before it is sent, so two runs at once never send it twice, and updated right
// after its attempt; a record is given up after alert_delivery_retry_hours.
//nobundling
import type { Alert, AlertChannel, AlertKind, ExpectedRange, TagValue } from "../alerts/channel.ts";
import { ChannelUnreachableError, PartialSendError } from "../alerts/channel.ts";
import { alertNotice } from "../alerts/format.ts";
import { renderAlertPlot } from "../charts/index.ts";
import { alertJobOf } from "../config/index.ts";
import { errorMessage } from "../core/errors.ts";
import type { MadModel } from "../ml/mad.ts";
import { readAlertRows } from "../store/alert-rows.ts";
import type { MetricRow } from "../store/metric-row.ts";
import { openOutbox, type Outbox, type OutboxRecord } from "../store/outbox.ts";
import type { JobContext } from "./job-context.ts";
import { alertSeries, loadPlotRows, type PlotRow, scorePanel } from "./plot-series.ts";

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

/** What a job reports about delivery. */
export interface DeliverySummary {
  /** Deliveries that went out in this run (new alerts and retries of earlier ones). */
  sent: number;
  /** Deliveries still pending after this run (retried on the next run). */
  pending: number;
  /** Deliveries that failed in this run, with the reason (secrets redacted). */
  failed: { metric: string; timestamp: string; channel: string; to: string; error: string }[];
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

/** One alert and its records to send, with its message built once (the plot drawn on first use). */
interface Letter {
  alert: Alert;
  records: OutboxRecord[];
  png?: Uint8Array | null;
}

const alertKey = (metric: string, timestamp: number) => `${metric}\u0001${timestamp}`;

/**
 * Send the pending records of the batch's `kind` alerts. `fresh` = the flag rows this run saved: they
 * also go to the channels that get every new alert (console).
 */
export async function deliverPending(ctx: JobContext, kind: AlertKind, fresh: readonly MetricRow[]): Promise<DeliverySummary> {
  const summary: DeliverySummary = { sent: 0, pending: 0, failed: [] };
  const outbox = await openOutbox(ctx.store);
  const type = alertJobOf(kind);
  await announceFresh(ctx, kind, fresh);
  const records = await outbox.pending(ctx.cfg.metric_batch, { types: [type], now: ctx.now, leaseMs: ctx.cfg.job_timeout_seconds * 1000 });
  if (records.length === 0) return summary;
  for (const letter of await lettersOf(ctx, type, records, fresh)) {
    for (const record of letter.records) await deliverRecord(ctx, outbox, letter, record, summary);
  }
  return summary;
}

/** New alerts to the channels that get every one (console), untracked. */
async function announceFresh(ctx: JobContext, kind: AlertKind, fresh: readonly MetricRow[]): Promise<void> {
  const everyAlert = ctx.channels.filter((c) => c.everyAlert);
  if (everyAlert.length === 0) return;
  for (const r of fresh) {
    const stored = storedAlertOf(r.metadata);
    if (!stored) continue;
    const alert = alertFromStored(ctx, r.metric_name, r.metric_timestamp.getTime(), stored);
    for (const c of everyAlert) {
      await c
        .send(alertNotice(alert), "")
        .catch((e) => ctx.log.warn(`${describe(ctx, kind, r.metric_name, r.metric_timestamp.getTime())}: ${c.name} failed: ${errorMessage(e)}`));
    }
  }
}

/** The records grouped by alert, each with its Alert rebuilt from its flag row (oldest first). */
async function lettersOf(ctx: JobContext, type: string, records: readonly OutboxRecord[], fresh: readonly MetricRow[]): Promise<Letter[]> {
  const stored = new Map<string, StoredAlert>();
  for (const r of fresh) {
    const s = storedAlertOf(r.metadata);
    if (s) stored.set(alertKey(r.metric_name, r.metric_timestamp.getTime()), s);
  }
  const missing = records.filter((r) => !stored.has(alertKey(r.metric, r.timestamp)));
  if (missing.length) {
    const times = missing.map((r) => r.timestamp);
    for (const row of await readAlertRows(ctx.store, ctx.cfg.metric_batch, type, Math.min(...times), Math.max(...times))) {
      const s = storedAlertOf(row.metadata);
      if (s) stored.set(alertKey(row.metric_name, row.metric_timestamp.getTime()), s);
    }
  }
  let plotRows = new Map<string, PlotRow[]>();
  try {
    plotRows = await loadPlotRows(ctx, type, [...new Set(records.map((r) => r.metric))]);
  } catch (e) {
    ctx.log.warn(`the alert plots have no data (plot_sql failed: ${errorMessage(e)}); alerts are sent without them`);
  }
  const letters = new Map<string, Letter>();
  for (const r of records) {
    const key = alertKey(r.metric, r.timestamp);
    const s = stored.get(key);
    if (!s) {
      ctx.log.warn(`${describe(ctx, s, r.metric, r.timestamp)}: its flag row is gone or unreadable; ${r.channel} to ${r.to} is not sent`);
      continue;
    }
    let letter = letters.get(key);
    if (!letter) letters.set(key, (letter = { alert: alertFromStored(ctx, r.metric, r.timestamp, s, plotRows.get(r.metric)), records: [] }));
    letter.records.push(r);
  }
  return [...letters.values()];
}

/** Give up, or claim, send and record one delivery; the summary counts the outcome. */
async function deliverRecord(ctx: JobContext, outbox: Outbox, letter: Letter, record: OutboxRecord, summary: DeliverySummary): Promise<void> {
  const what = describe(ctx, letter.alert.kind, record.metric, record.timestamp);
  const at = new Date(record.timestamp).toISOString();
  const fail = (error: string) => summary.failed.push({ metric: record.metric, timestamp: at, channel: record.channel, to: record.to, error });
  const r = await outbox.claim(record, ctx.now);
  if (!r) return; // another run is sending it
  const retryMs = ctx.cfg.alert_delivery_retry_hours * 3_600_000;
  if (ctx.now.getTime() - r.createdAt > retryMs) {
    r.status = "failed";
    r.error = `gave up after ${r.attempts} attempt(s) in ${ctx.cfg.alert_delivery_retry_hours} h (alert_delivery_retry_hours)${r.error ? `; last error: ${r.error}` : ""}`;
    ctx.log.error(`${what} was not sent by ${r.channel} to ${r.to}: ${r.error}`);
    fail(r.error);
    await outbox.finish(r);
    return;
  }
  r.attempts++;
  await sendRecord(ctx, letter, r, what);
  if (r.status === "sent") {
    summary.sent++;
  } else {
    r.status = "pending";
    const until = new Date(r.createdAt + retryMs).toISOString();
    ctx.log.error(`${what} not sent by ${r.channel} to ${r.to}: ${r.error} (attempt ${r.attempts}; retried by the next run until ${until})`);
    fail(r.error ?? "");
    summary.pending++;
  }
  await outbox.finish(r);
}

/**
 * The channels that could not be reached during their run, with the error: the run's other messages
 * for them stay pending without waiting for the same timeout again (a channel lives for one run).
 */
const unreachable = new WeakMap<AlertChannel, string>();

/** One attempt through the record's channel: the record says how it went (sent, or the error). */
async function sendRecord(ctx: JobContext, letter: Letter, r: OutboxRecord, what: string): Promise<void> {
  const channel: AlertChannel | undefined = ctx.channels.find((c) => !c.everyAlert && c.name === r.channel);
  if (!channel) {
    r.error = `${r.channel} is not configured any more`;
    return;
  }
  const down = unreachable.get(channel);
  if (down) {
    r.attempts--; // not tried
    r.error = `not tried: ${r.channel} was not reachable earlier in this run (${down})`;
    return;
  }
  try {
    const receipt = await channel.send(alertNotice(letter.alert, plotOf(ctx, letter, what)), r.to, r.state);
    r.status = "sent";
    r.sentAt = ctx.now.toISOString();
    delete r.error;
    delete r.state;
    ctx.log.info(`${what} sent by ${r.channel} to ${r.to}${r.attempts > 1 ? ` (attempt ${r.attempts})` : ""}`);
    if (receipt?.warnings?.length) {
      r.warning = receipt.warnings.join("; ");
      ctx.log.error(`${what}: ${r.channel}: ${r.warning}`);
    }
  } catch (e) {
    r.error = errorMessage(e);
    if (e instanceof PartialSendError) r.state = { ...r.state, ...e.state };
    if (e instanceof ChannelUnreachableError) unreachable.set(channel, r.error);
  }
}

/** The letter's plot, drawn once; undefined (sent without it) when it cannot be drawn. */
function plotOf(ctx: JobContext, letter: Letter, what: string): Uint8Array | undefined {
  if (letter.png === undefined) {
    try {
      letter.png = renderAlertPlot(letter.alert);
    } catch (e) {
      ctx.log.warn(`${what}: the plot could not be drawn (${errorMessage(e)}); sent without it`);
      letter.png = null;
    }
  }
  return letter.png ?? undefined;
}

function storedAlertOf(metadata: string): StoredAlert | undefined {
  if (!metadata) return undefined;
  try {
    return (JSON.parse(metadata) as { alert?: StoredAlert }).alert;
  } catch {
    return undefined;
  }
}

function describe(ctx: JobContext, kind: AlertKind | StoredAlert | undefined, metric: string, timestamp: number): string {
  const k = typeof kind === "object" ? kind.kind : (kind ?? "an");
  return `${ctx.cfg.metric_batch} ${metric}: ${k} alert at ${new Date(timestamp).toISOString()}`;
}
