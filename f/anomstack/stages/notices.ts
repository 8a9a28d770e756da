// The stages that are not one job of one batch: the daily summary over every batch and table, and the
// failure notice of the generated flows. Both send through the configured channels (email, Slack,
// console) to their default destinations; secrets are redacted from everything they log or return.
//nobundling
import { createChannels, sendNotice, type NoticeDelivery } from "../alerts/channels.ts";
import type { AlertChannel } from "../alerts/channel.ts";
import { failureNoticeOf, summaryNotice, type SummaryMetric } from "../alerts/format.ts";
import { redactDeep, redactingLogger } from "../core/redact.ts";
import { resolveChannelSettings } from "../alerts/channel-settings.ts";
import { isJobEnabled, jobSpec, loadConfig } from "../config/index.ts";
import { buildSummary, summarizeBatch } from "../jobs/summary.ts";
import { errorMessage } from "../core/errors.ts";
import { createLogger, type Logger } from "../core/log.ts";
import { settingsToEnv, type C_anomstack_settings } from "../config/settings-resource.ts";
import { withJobContext } from "./run-stage.ts";
import { parseNow } from "../core/time.ts";
import type { Env } from "../core/env.ts";

export interface NoticeStageOptions {
  now?: string | Date;
  env?: Env;
  settings?: C_anomstack_settings | null;
  log?: Logger;
  /** Use these channels instead of the configured ones (tests). */
  channels?: readonly AlertChannel[];
}

export interface SummaryResult {
  job: "summary";
  status: "ok";
  now: string;
  batches: {
    batch: string;
    table: string;
    metrics: number;
    points: number;
    scores: number;
    alerts: number;
    changes: number;
    tholdalerts: number;
    llmalerts: number;
  }[];
  top: (Omit<SummaryMetric, "lastTimestamp"> & { lastTimestamp: string | null })[];
  failed: { batch: string; error: string }[];
  sent: NoticeDelivery["sent"];
  delivery_failures: NoticeDelivery["failed"];
}

/**
 * The daily summary: summary_sql of every enabled batch (not disable_summary), totalled per batch with
 * the most anomalous metrics, sent to every configured channel. A batch whose query fails is listed as
 * not summarised; the others are still sent.
 */
export async function runSummary(opts: NoticeStageOptions = {}): Promise<SummaryResult> {
  const env = settingsToEnv(opts.settings, opts.env ?? process.env);
  const settings = resolveChannelSettings(env);
  const log = redactingLogger(opts.log ?? createLogger(), settings.redact).child("summary");
  const now = parseNow(opts.now);
  const { batches, broken } = loadConfig({ env, skipBroken: true });
  const parts: Parameters<typeof buildSummary>[1][number][] = [];
  // a batch file that does not load is listed as not summarised; the others still are
  const failed: { batch: string; error: string }[] = broken.map((b) => ({ batch: b.batch ?? b.file, error: settings.redact(b.error.message) }));
  for (const f of failed) log.error(`${f.batch}: not summarised: ${f.error}`);
  let topN = 0;
  for (const cfg of batches.values()) {
    if (!isJobEnabled(cfg, "summary")) continue;
    topN = Math.max(topN, cfg.summary_top_n);
    try {
      const part = await withJobContext(
        cfg.metric_batch,
        { cfg, env, now, log, channels: [], readOnly: jobSpec("summary").readsOnly === true },
        (ctx) => summarizeBatch(ctx),
      );
      parts.push({ ...part, days: cfg.summary_metric_timestamp_max_days_ago });
    } catch (e) {
      const error = settings.redact(errorMessage(e));
      log.error(`${cfg.metric_batch}: not summarised: ${error}`);
      failed.push({ batch: cfg.metric_batch, error });
    }
  }
  const report = buildSummary(now, parts, failed, topN);
  let delivery: NoticeDelivery = { sent: [], failed: [] };
  if (parts.length === 0 && failed.length === 0) log.info("no batch has the summary enabled (disable_summary); nothing sent");
  else delivery = await sendNotice(summaryNotice(report), opts.channels ?? createChannels(settings, log), settings, "summary", log);
  return redactDeep(
    {
      job: "summary" as const,
      status: "ok" as const,
      now: now.toISOString(),
      batches: report.batches,
      top: report.top.map((m) => ({ ...m, lastTimestamp: m.lastTimestamp ? m.lastTimestamp.toISOString() : null })),
      failed,
      sent: delivery.sent,
      delivery_failures: delivery.failed,
    },
    settings.redact,
  );
}

export interface FailureInput extends NoticeStageOptions {
  batch: string;
  job: string;
  error: string;
  runUrl?: string;
}

/** Send the short failure notice (batch, job, time, error, link) to every configured channel's failure destination. */
export async function sendFailureNotice(n: FailureInput): Promise<{ title: string; text: string } & NoticeDelivery> {
  const env = settingsToEnv(n.settings, n.env ?? process.env);
  const settings = resolveChannelSettings(env);
  const log = redactingLogger(n.log ?? createLogger(), settings.redact).child(`${n.batch} ${n.job}`);
  const notice = failureNoticeOf({ batch: n.batch, job: n.job, error: settings.redact(n.error), runUrl: n.runUrl || undefined, at: parseNow(n.now) });
  log.error(notice.line);
  // The notice is already logged above, so the console channel is left out.
  const channels = n.channels ?? createChannels(settings, log, { console: false });
  const delivery = await sendNotice(notice, channels, settings, "failure", log);
  return { title: notice.title, text: notice.line, ...delivery };
}
