// The shapes every alert channel works with: the Alert a job raises, the channel-neutral Notice that
// format.ts builds from it (and from summaries and failure notices), and the one AlertChannel
// contract that console, email and Slack implement. Pure types and title helpers; no I/O.
//nobundling

import type { AlertKind } from "../config/jobs.ts";

export type { AlertKind };

export type TagValue = string | number | boolean;

/** One recent point of the alerting metric, oldest first: what the plot and the sparkline draw. */
export interface SeriesPoint {
  /** Epoch milliseconds (UTC). */
  timestamp: number;
  value: number;
  /** The score of the alert's lower plot panel at this point (smoothed anomaly or MAD change score); null = not scored. */
  score: number | null;
  /** Alerts stored (or raised now) at this point. */
  marks: AlertKind[];
}

/** The values the detector considered normal around the alert, shown as a band and a field. */
export interface ExpectedRange {
  lower: number;
  upper: number;
  /** How the range was derived, in a few words ("values scored below 0.80 in the last 48 points"). */
  basis: string;
  /** Epoch ms where the points it was derived from start (the plot shades from here); absent = the whole window. */
  from?: number;
}

/** Everything a channel needs to tell a person about one alert. */
export interface Alert {
  kind: AlertKind;
  batch: string;
  metric: string;
  /** The alerting point. */
  timestamp: Date;
  value: number;
  /** Smoothed anomaly probability (anomaly, llm) or MAD modified z-score (change); absent for threshold alerts. */
  score?: number;
  /** The line that was crossed: alert_threshold, change_threshold, or the breached value bound. */
  threshold?: number;
  title: string;
  /** Extra text, e.g. the LLM's explanations. */
  description?: string;
  tags: Record<string, TagValue>;
  /** Recent points of the metric (oldest first) with the lower panel's score and the alert marks. */
  series: SeriesPoint[];
  /** What the lower plot panel shows, e.g. "anomaly score (smoothed)"; absent = no score panel. */
  scoreLabel?: string;
  /** The horizontal line of the lower plot panel. */
  scoreThreshold?: number;
  /** Static bounds of a threshold alert (drawn on the value panel). */
  bounds?: { upper?: number; lower?: number };
  expected?: ExpectedRange;
  /** LLM alerts: every confirmed anomaly among the recent points, newest first. */
  explanations?: { timestamp: Date; value: number; explanation: string }[];
}

/** A labelled fact of a notice ("Value", "30.0"). */
export interface NoticeField {
  label: string;
  value: string;
}

/** A small table of a notice (the summary's per-batch counts). */
export interface NoticeTable {
  heading: string;
  columns: { label: string; numeric?: boolean }[];
  rows: string[][];
}

/**
 * A channel-neutral message built by format.ts: every channel renders these same parts, so an email,
 * a Slack message and a console line all say the same thing.
 */
export interface Notice {
  /** Email subject, Slack header. */
  title: string;
  /** One line for logs and the console. */
  line: string;
  /** Colour family of the message. */
  tone: "alert" | "warning" | "info" | "error";
  fields: NoticeField[];
  /** Paragraph blocks, e.g. the LLM explanation or an error text. */
  notes: { heading: string; lines: string[]; code?: boolean }[];
  tables: NoticeTable[];
  tags: [string, string][];
  /** Plain-text chart lines (ASCII) for the text part of an email. */
  sparkline?: string[];
  /** The alert plot. */
  image?: { png: Uint8Array; filename: string; alt: string };
  link?: { label: string; url: string };
  /** Stable identity (the email Message-ID), so a message sent again is recognisably the same one. */
  id?: string;
  /** The alert this notice is about, for channels that want the structured data (console, tests). */
  alert?: Alert;
}

/** What a channel reports after sending: warnings (e.g. rejected recipients) and state worth keeping. */
export interface SendReceipt {
  warnings?: string[];
}

/**
 * The channel's server could not be reached (a timeout, a refused or dropped connection). The rest of
 * a run's messages for that channel stay pending for the next run instead of each waiting as long.
 */
export class ChannelUnreachableError extends Error {
  override name = "ChannelUnreachableError";
}

/** Node's codes of a connection that timed out, was refused or dropped, or a host not found. */
const UNREACHABLE_CODES = /^(ETIMEDOUT|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ESOCKET|ECONNECTION|EPIPE)$/;

/** True when `e` (or what it wraps) says the server was not reachable, rather than that it refused the message. */
export function isUnreachable(e: unknown): boolean {
  for (let x = e as { code?: unknown; cause?: unknown; original?: unknown; message?: unknown } | undefined, depth = 0; x && depth < 4; depth++) {
    if (typeof x.code === "string" && UNREACHABLE_CODES.test(x.code)) return true;
    if (typeof x.message === "string" && /\b(timed? ?out|timeout|greeting never received|connection closed)\b/i.test(x.message)) return true;
    x = (x.original ?? x.cause) as typeof x;
  }
  return false;
}

/**
 * A send that got part-way: `state` records what was already done (e.g. the Slack message's ts), and is
 * passed back on the next attempt so that part is not repeated.
 */
export class PartialSendError extends Error {
  override name = "PartialSendError";
  constructor(
    message: string,
    readonly state: Record<string, string>,
  ) {
    super(message);
  }
}

/**
 * A place notices go. Console, email and Slack implement this same contract; alert_methods names them.
 * `destination` is channel-specific: a comma-separated address list for email, a channel name or ID
 * for Slack. `state` is what a PartialSendError recorded on an earlier attempt of the same delivery.
 */
export interface AlertChannel {
  /** The method name used in alert_methods ("email", "slack") or "console". */
  readonly name: string;
  /** Where notices go when no route names a destination (the configured recipients / channel). */
  readonly defaultDestination?: string;
  /** Receives each new alert whatever alert_methods says, untracked (console, tests). */
  readonly everyAlert?: boolean;
  send(notice: Notice, destination: string, state?: Record<string, string>): Promise<SendReceipt | undefined>;
}

/** `YYYY-MM-DD HH:MM` in UTC, as in the original's alert titles. */
export function formatMinute(d: Date): string {
  return d.toISOString().slice(0, 16).replace("T", " ");
}

/** The titles of the original's alert messages. */
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
