// The one small interface every alert channel implements, the alert shape they all receive, and the
// delivery loop: one channel or alert failing never stops the others.
import type { Logger } from "../runtime/log.ts";
import { errorMessage } from "../runtime/errors.ts";

export const ALERT_KINDS = ["anomaly", "change", "threshold", "llm"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export type TagValue = string | number | boolean;

/** Everything a channel needs to tell a person about one alert. */
export interface Alert {
  kind: AlertKind;
  batch: string;
  metric: string;
  /** The alerting point. */
  timestamp: Date;
  value: number;
  /** Anomaly probability (anomaly), smoothed score, or MAD score (change). */
  score?: number;
  /** The line the score or value crossed. */
  threshold?: number;
  title: string;
  description?: string;
  tags: Record<string, TagValue>;
}

/** A place alerts go: console today; email, Slack and others plug in behind the same function. */
export interface AlertChannel {
  readonly name: string;
  send(alert: Alert): Promise<void>;
}

export interface DeliveryReport {
  sent: number;
  failed: { metric: string; channel: string; error: string }[];
}

/** Send every alert through every channel; failures are logged and reported, never thrown. */
export async function deliverAlerts(alerts: readonly Alert[], channels: readonly AlertChannel[], log: Logger): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, failed: [] };
  for (const alert of alerts) {
    for (const channel of channels) {
      try {
        await channel.send(alert);
        report.sent++;
      } catch (e) {
        const error = errorMessage(e);
        log.error(`failed to send ${alert.kind} alert for ${alert.batch}/${alert.metric} via ${channel.name}: ${error}`);
        report.failed.push({ metric: alert.metric, channel: channel.name, error });
      }
    }
  }
  return report;
}

/** `YYYY-MM-DD HH:MM` in UTC, as in the original's alert titles. */
export function formatMinute(d: Date): string {
  return d.toISOString().slice(0, 16).replace("T", " ");
}

/** The original's titles (§3.5, §3.6, §3.8). */
export function alertTitle(kind: AlertKind, metric: string, at: Date, detail?: string): string {
  const ts = formatMinute(at);
  switch (kind) {
    case "anomaly":
      return `🔥 [${metric}] looks anomalous (${ts}) 🔥`;
    case "change":
      return `Δ [${metric}] looks changed (${ts}) Δ`;
    case "threshold":
      return `⚠️ [${metric}] threshold ${detail ?? ""} bound breached (${ts}) ⚠️`.replace("  ", " ");
    case "llm":
      return `🤖 LLM says [${metric}] looks anomalous (${ts}) 🤖`;
  }
}
