// Exactly-once delivery of alerts (docs/alerts.md, "Delivery"). An alert's flag row keeps the alert
// (to rebuild its message); the outbox (store/outbox.ts) keeps one record per channel and destination.
// A run sends the pending records of its kind: the ones it just saved and the ones an earlier run left.
// Each record is claimed before it is sent, so two runs at once never send it twice, and updated right
// after its attempt; a record is given up after alert_delivery_retry_hours.
//nobundling
import type { Alert, AlertChannel, AlertKind, ExpectedRange, TagValue } from "../alerts/channel.ts";
import { ChannelUnreachableError, PartialSendError } from "../alerts/channel.ts";
import { alertNotice, incidentNotice } from "../alerts/format.ts";
import { renderAlertPlot } from "../charts/index.ts";
import { ALERT_KINDS_IN_ORDER, alertJobOf } from "../config/index.ts";
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

/**
 * One incident and its records to send: the alerts of one metric at one point (one per kind that
 * fired), its message built once, the plot drawn on first use.
 */
interface Letter {
  metric: string;
  timestamp: number;
  alerts: Alert[];
  records: OutboxRecord[];
  png?: Uint8Array | null;
}

const alertKey = (metric: string, timestamp: number) => `${metric}\u0001${timestamp}`;

/**
 * Send the batch's pending records of `kinds` (every kind when omitted): the ones this run saved and
 * the ones earlier runs left. An incident (one metric, one point) goes to each channel and destination
 * as one message naming every kind that fired, with one plot.
 */
export async function deliverPending(ctx: JobContext, kinds?: readonly AlertKind[]): Promise<DeliverySummary> {
  const summary: DeliverySummary = { sent: 0, pending: 0, failed: [] };
  const outbox = await openOutbox(ctx.store);
  const types = (kinds ?? ALERT_KINDS_IN_ORDER).map(alertJobOf);
  const records = await outbox.pending(ctx.cfg.metric_batch, { types, now: ctx.now, leaseMs: ctx.cfg.job_timeout_seconds * 1000 });
  if (records.length === 0) return summary;
  for (const letter of await lettersOf(ctx, records)) {
    const byDestination = new Map<string, OutboxRecord[]>();
    for (const r of letter.records) byDestination.set(`${r.channel}\u0001${r.to}`, [...(byDestination.get(`${r.channel}\u0001${r.to}`) ?? []), r]);
    for (const group of byDestination.values()) await deliverToDestination(ctx, outbox, letter, group, summary);
  }
  return summary;
}

/** New alerts to the channels that get every one (console), untracked, when they are saved. */
export async function announceFresh(ctx: JobContext, kind: AlertKind, fresh: readonly MetricRow[]): Promise<void> {
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

/** The records grouped by incident, each alert rebuilt from its flag row (oldest first). */
async function lettersOf(ctx: JobContext, records: readonly OutboxRecord[]): Promise<Letter[]> {
  const letters = new Map<string, Letter>();
  const byType = new Map<string, OutboxRecord[]>();
  for (const r of records) byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
  let plotRows = new Map<string, PlotRow[]>();
  try {
    plotRows = await loadPlotRows(ctx, "deliver", [...new Set(records.map((r) => r.metric))]);
  } catch (e) {
    ctx.log.warn(`the alert plots have no data (plot_sql failed: ${errorMessage(e)}); alerts are sent without them`);
  }
  for (const [type, list] of byType) {
    const stored = new Map<string, StoredAlert>();
    const times = list.map((r) => r.timestamp);
    for (const row of await readAlertRows(ctx.store, ctx.cfg.metric_batch, type, Math.min(...times), Math.max(...times))) {
      const s = storedAlertOf(row.metadata);
      if (s) stored.set(alertKey(row.metric_name, row.metric_timestamp.getTime()), s);
    }
    const built = new Set<string>();
    for (const r of list) {
      const key = alertKey(r.metric, r.timestamp);
      const s = stored.get(key);
      if (!s) {
        ctx.log.warn(
          `${describe(ctx, undefined, r.metric, r.timestamp)} (${type}): its flag row is gone or unreadable; ${r.channel} to ${r.to} is not sent`,
        );
        continue;
      }
      let letter = letters.get(key);
      if (!letter) letters.set(key, (letter = { metric: r.metric, timestamp: r.timestamp, alerts: [], records: [] }));
      if (!built.has(key)) {
        built.add(key);
        letter.alerts.push(alertFromStored(ctx, r.metric, r.timestamp, s, plotRows.get(r.metric)));
      }
      letter.records.push(r);
    }
  }
  return [...letters.values()].sort((a, b) => a.timestamp - b.timestamp || (a.metric < b.metric ? -1 : 1));
}

/**
 * One channel and destination of an incident: each record is claimed (another run may be sending it)
 * or given up when too old; the claimed ones go out as one message, and each is updated after it.
 */
async function deliverToDestination(ctx: JobContext, outbox: Outbox, letter: Letter, group: OutboxRecord[], summary: DeliverySummary): Promise<void> {
  const kinds = [...new Set(letter.alerts.map((a) => a.kind))];
  const what = describe(ctx, kinds.join(" + "), letter.metric, letter.timestamp);
  const at = new Date(letter.timestamp).toISOString();
  const retryMs = ctx.cfg.alert_delivery_retry_hours * 3_600_000;
  const fail = (r: OutboxRecord, error: string) => summary.failed.push({ metric: r.metric, timestamp: at, channel: r.channel, to: r.to, error });
  const claimed: OutboxRecord[] = [];
  for (const record of group) {
    const r = await outbox.claim(record, ctx.now);
    if (!r) continue; // another run is sending it
    if (ctx.now.getTime() - r.createdAt > retryMs) {
      r.status = "failed";
      r.error = `gave up after ${r.attempts} attempt(s) in ${ctx.cfg.alert_delivery_retry_hours} h (alert_delivery_retry_hours)${r.error ? `; last error: ${r.error}` : ""}`;
      ctx.log.error(`${what} was not sent by ${r.channel} to ${r.to}: ${r.error}`);
      fail(r, r.error);
      await outbox.finish(r);
    } else claimed.push(r);
  }
  if (claimed.length === 0) return;
  const [first] = claimed;
  const alerts = letter.alerts.filter((a) => claimed.some((r) => r.type === alertJobOf(a.kind)));
  const outcome = await sendOnce(ctx, letter, alerts, first, what);
  for (const r of claimed) {
    r.attempts += outcome.tried ? 1 : 0;
    if (outcome.error === undefined) {
      r.status = "sent";
      r.sentAt = ctx.now.toISOString();
      delete r.error;
      delete r.state;
      if (outcome.warning) r.warning = outcome.warning;
      summary.sent++;
    } else {
      r.status = "pending";
      r.error = outcome.error;
      if (outcome.state) r.state = { ...r.state, ...outcome.state };
      const until = new Date(r.createdAt + retryMs).toISOString();
      ctx.log.error(`${what} not sent by ${r.channel} to ${r.to}: ${r.error} (attempt ${r.attempts}; retried by the next run until ${until})`);
      fail(r, r.error);
      summary.pending++;
    }
    await outbox.finish(r);
  }
}

/**
 * The channels that could not be reached during their run, with the error: the run's other messages
 * for them stay pending without waiting for the same timeout again (a channel lives for one run).
 */
const unreachable = new WeakMap<AlertChannel, string>();

/** One attempt to send the incident's message through the records' channel. */
async function sendOnce(
  ctx: JobContext,
  letter: Letter,
  alerts: readonly Alert[],
  r: OutboxRecord,
  what: string,
): Promise<{ tried: boolean; error?: string; warning?: string; state?: Record<string, string> }> {
  const channel: AlertChannel | undefined = ctx.channels.find((c) => !c.everyAlert && c.name === r.channel);
  if (!channel) return { tried: true, error: `${r.channel} is not configured any more` };
  const down = unreachable.get(channel);
  if (down) return { tried: false, error: `not tried: ${r.channel} was not reachable earlier in this run (${down})` };
  try {
    const receipt = await channel.send(incidentNotice(alerts, plotOf(ctx, letter, what)), r.to, r.state);
    ctx.log.info(`${what} sent by ${r.channel} to ${r.to}${r.attempts > 0 ? ` (attempt ${r.attempts + 1})` : ""}`);
    const warning = receipt?.warnings?.length ? receipt.warnings.join("; ") : undefined;
    if (warning) ctx.log.error(`${what}: ${r.channel}: ${warning}`);
    return { tried: true, warning };
  } catch (e) {
    const error = errorMessage(e);
    if (e instanceof ChannelUnreachableError) unreachable.set(channel, error);
    return { tried: true, error, state: e instanceof PartialSendError ? e.state : undefined };
  }
}

/** The letter's plot, drawn once; undefined (sent without it) when it cannot be drawn. */
function plotOf(ctx: JobContext, letter: Letter, what: string): Uint8Array | undefined {
  if (letter.png === undefined) {
    try {
      // the leading alert's plot: its series carries every stored mark of the point
      letter.png = renderAlertPlot(sortedForPlot(letter.alerts)[0]);
    } catch (e) {
      ctx.log.warn(`${what}: the plot could not be drawn (${errorMessage(e)}); sent without it`);
      letter.png = null;
    }
  }
  return letter.png ?? undefined;
}

/** The incident's alerts, the one whose plot leads first (as incidentNotice orders them). */
function sortedForPlot(alerts: readonly Alert[]): Alert[] {
  const order: AlertKind[] = ["anomaly", "llm", "threshold", "change"];
  return [...alerts].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}

function storedAlertOf(metadata: string): StoredAlert | undefined {
  if (!metadata) return undefined;
  try {
    return (JSON.parse(metadata) as { alert?: StoredAlert }).alert;
  } catch {
    return undefined;
  }
}

function describe(ctx: JobContext, kind: string | undefined, metric: string, timestamp: number): string {
  const k = kind ?? "an";
  return `${ctx.cfg.metric_batch} ${metric}: ${k} alert at ${new Date(timestamp).toISOString()}`;
}

export interface DeliverResult {
  job: "deliver";
  batch: string;
  delivery: DeliverySummary;
  delivery_failures: number;
}

/**
 * The deliver job: after a run's alerting jobs (which then only save), send every pending record of
 * the batch, one message per incident and destination; on its own schedule, it retries what is pending.
 */
export async function deliverJob(ctx: JobContext): Promise<DeliverResult> {
  const delivery = await deliverPending(ctx);
  ctx.log.info(`sent ${delivery.sent} notification(s), ${delivery.pending} still pending`);
  return { job: "deliver", batch: ctx.cfg.metric_batch, delivery, delivery_failures: delivery.failed.length };
}
