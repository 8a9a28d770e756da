// What every channel says: alerts, the daily summary and failure notices become channel-neutral
// Notices here (title, key fields, tags, expected range, explanation, ASCII chart, plot), so email,
// Slack and the console all say the same thing. Pure: no I/O.
//nobundling
import { formatMinute, type Alert, type AlertKind, type Notice, type NoticeField, type SeriesPoint } from "./channel.ts";
import { formatScore, formatValue } from "../core/numbers.ts";

/** Tags already shown as fields (or in the title); the rest are listed as tags. */
const TAGS_SHOWN_AS_FIELDS = new Set(["metric_batch", "metric_name", "metric_timestamp", "alert_type"]);

const SCORE_FIELD: Record<Alert["kind"], string> = {
  anomaly: "Anomaly score (smoothed)",
  change: "Change score (MAD z)",
  threshold: "Anomaly score (smoothed)",
  llm: "Anomaly score (smoothed)",
};

/** One line: title, batch, value, score and threshold (console, logs). */
export function alertLine(a: Alert): string {
  const parts = [a.title, `batch=${a.batch}`, `value=${a.value}`];
  if (a.score !== undefined) parts.push(`score=${Math.round(a.score * 1000) / 1000}`);
  if (a.threshold !== undefined) parts.push(`threshold=${a.threshold}`);
  return parts.join("  ");
}

/** The alert's key facts, in the order every channel shows them. */
export function alertFields(a: Alert): NoticeField[] {
  const fields: NoticeField[] = [
    { label: "Metric", value: a.metric },
    { label: "Batch", value: a.batch },
    { label: "Time", value: `${formatMinute(a.timestamp)} UTC` },
    { label: "Value", value: formatValue(a.value) },
  ];
  if (a.score !== undefined) fields.push({ label: SCORE_FIELD[a.kind], value: formatScore(a.score) });
  if (a.kind === "threshold" && a.threshold !== undefined) {
    const side = a.bounds?.upper === a.threshold ? "upper" : a.bounds?.lower === a.threshold ? "lower" : "";
    fields.push({ label: "Threshold", value: `${side ? `${side} bound ` : ""}${formatValue(a.threshold)}` });
  } else if (a.threshold !== undefined) {
    fields.push({ label: "Threshold", value: formatScore(a.threshold) });
  }
  if (a.expected) {
    fields.push({ label: "Expected range", value: `${formatValue(a.expected.lower)} to ${formatValue(a.expected.upper)} (${a.expected.basis})` });
  } else if (a.bounds && (a.bounds.lower !== undefined || a.bounds.upper !== undefined)) {
    const { lower, upper } = a.bounds;
    const range =
      lower !== undefined && upper !== undefined
        ? `${formatValue(lower)} to ${formatValue(upper)}`
        : upper !== undefined
          ? `at most ${formatValue(upper)}`
          : `at least ${formatValue(lower as number)}`;
    fields.push({ label: "Expected range", value: `${range} (tholdalert_thresholds)` });
  }
  return fields;
}

/** Tags worth listing, as [key, value] text pairs in their original order. */
export function alertTags(a: Alert): [string, string][] {
  return Object.entries(a.tags)
    .filter(([k]) => !TAGS_SHOWN_AS_FIELDS.has(k))
    .map(([k, v]) => [k, String(v)]);
}

/** A stable message id for the alert: a re-sent email carries the same Message-ID. */
export function alertNoticeId(a: Alert): string {
  const ts = a.timestamp.toISOString().replace(/[-:.]/g, "");
  return `${a.kind}.${a.batch}.${a.metric}.${ts}`.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** The alert as a Notice, with its plot when one is given. */
export function alertNotice(a: Alert, plotPng?: Uint8Array): Notice {
  const notes: Notice["notes"] = [];
  if (a.explanations?.length) {
    notes.push({
      heading: "Why Claude flagged it",
      lines: a.explanations.map((e) => `${formatMinute(e.timestamp)} (value ${formatValue(e.value)}): ${e.explanation}`),
    });
  } else if (a.description) {
    notes.push({ heading: "Details", lines: a.description.split("\n") });
  }
  return {
    title: a.title,
    line: alertLine(a),
    tone: a.kind === "threshold" ? "warning" : "alert",
    fields: alertFields(a),
    notes,
    tables: [],
    tags: alertTags(a),
    sparkline: asciiChart(a.series),
    image: plotPng
      ? { png: plotPng, filename: `${safeFileName(a.metric)}_${formatMinute(a.timestamp).replace(/[- :]/g, "")}.png`, alt: `Plot of ${a.metric}` }
      : undefined,
    id: alertNoticeId(a),
    alert: a,
  };
}

/** The order in which an incident's alerts lead its message: the model's view first, static bounds, then change. */
const KIND_ORDER: readonly AlertKind[] = ["anomaly", "llm", "threshold", "change"];
const KIND_WORD: Record<AlertKind, string> = { anomaly: "anomaly", llm: "LLM", threshold: "threshold", change: "change" };

/**
 * One incident as one Notice: the alerts of one metric at one point, of every kind that fired. The
 * leading alert (anomaly, else LLM, threshold, change) gives the fields and the plot; the title names
 * every kind and each other alert adds a note. A single alert is `alertNotice` itself.
 */
export function incidentNotice(alerts: readonly Alert[], plotPng?: Uint8Array): Notice {
  const sorted = [...alerts].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  const [lead, ...others] = sorted;
  const base = alertNotice(lead, plotPng);
  if (others.length === 0) return base;
  const kinds = sorted.map((a) => KIND_WORD[a.kind]);
  const named = `${kinds.slice(0, -1).join(", ")} and ${kinds.at(-1)}`;
  const title = `🚨 [${lead.metric}] ${named} alerts (${formatMinute(lead.timestamp)}) 🚨`;
  const notes: Notice["notes"] = others.map((a) => ({
    heading: `${KIND_WORD[a.kind][0].toUpperCase()}${KIND_WORD[a.kind].slice(1)} alert`,
    lines: [
      a.title,
      ...alertFields(a)
        .filter((f) => !["Metric", "Batch", "Time", "Value"].includes(f.label))
        .map((f) => `${f.label}: ${f.value}`),
      ...(a.explanations?.map((e) => `${formatMinute(e.timestamp)}: ${e.explanation}`) ?? (a.description ? a.description.split("\n") : [])),
    ],
  }));
  return {
    ...base,
    title,
    line: sorted.map(alertLine).join(" | "),
    tone: sorted.some((a) => a.kind !== "threshold") ? "alert" : "warning",
    notes: [...base.notes, ...notes],
    id: `incident.${alertNoticeId(lead)}`,
  };
}

/** Letters, digits, dot, dash and underscore only. */
export function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80) || "plot";
}

/**
 * A small ASCII chart of the newest `width` points (one column per point): `*` a point, `X` a point
 * with an alert; the top and bottom rows are labelled with the range. For the plain-text email part.
 * @example asciiChart([{timestamp: 0, value: 1, score: null, marks: []}, {timestamp: 60000, value: 3, score: null, marks: ["anomaly"]}], 60, 2)
 * // => ["      3 | X", "      1 |*", "          00:00 to 00:01 UTC"]
 */
export function asciiChart(points: readonly SeriesPoint[], width = 60, height = 5): string[] {
  const pts = points.slice(-width);
  if (pts.length === 0) return [];
  const vals = pts.map((p) => p.value);
  const min = Math.min(...vals);
  const max = Math.max(...vals);
  const rows = Array.from({ length: height }, () => new Array<string>(pts.length).fill(" "));
  pts.forEach((p, i) => {
    const level = max > min ? Math.round(((p.value - min) / (max - min)) * (height - 1)) : 0;
    rows[height - 1 - level][i] = p.marks.length > 0 ? "X" : "*";
  });
  const top = formatValue(max);
  const bottom = formatValue(min);
  const labelWidth = Math.max(top.length, bottom.length, 7);
  const lines = rows.map((cells, r) => {
    const label = r === 0 ? top : r === height - 1 ? bottom : "";
    return `${label.padStart(labelWidth)} |${cells.join("")}`.trimEnd();
  });
  const from = pts[0].timestamp;
  const to = pts[pts.length - 1].timestamp;
  const fmt = (t: number) => (to - from < 86_400_000 ? new Date(t).toISOString().slice(11, 16) : formatMinute(new Date(t)));
  lines.push(`${" ".repeat(labelWidth + 3)}${fmt(from)} to ${fmt(to)} UTC`);
  return lines;
}

/** One batch's row of the daily summary. */
export interface SummaryBatch {
  batch: string;
  table: string;
  metrics: number;
  points: number;
  scores: number;
  alerts: number;
  changes: number;
  tholdalerts: number;
  llmalerts: number;
}

/** One of the most anomalous metrics of the summary. */
export interface SummaryMetric {
  batch: string;
  metric: string;
  alerts: number;
  maxScore: number | null;
  meanScore: number | null;
  lastValue: number | null;
  lastTimestamp: Date | null;
}

export interface SummaryReport {
  now: Date;
  /** Look-back of the summary in days (the largest of the batches' summary_metric_timestamp_max_days_ago). */
  days: number;
  batches: SummaryBatch[];
  top: SummaryMetric[];
  /** Batches whose summary query failed, with the reason. */
  failed: { batch: string; error: string }[];
}

/** The daily summary as a Notice: totals, a table per batch, and the most anomalous metrics. */
export function summaryNotice(s: SummaryReport): Notice {
  const sum = (k: keyof SummaryBatch) => s.batches.reduce((n, b) => n + (b[k] as number), 0);
  const alerts = sum("alerts") + sum("changes") + sum("tholdalerts") + sum("llmalerts");
  const day = s.now.toISOString().slice(0, 10);
  const title = `📊 Anomstack daily summary (${day})`;
  const notes: Notice["notes"] = [];
  if (s.failed.length) notes.push({ heading: "Batches not summarised", lines: s.failed.map((f) => `${f.batch}: ${f.error}`) });
  return {
    title,
    line: `${title}: ${s.batches.length} batch(es), ${sum("metrics")} metric(s), ${sum("scores")} score(s), ${alerts} alert(s)`,
    tone: "info",
    fields: [
      { label: "Window", value: `last ${s.days} day(s) to ${formatMinute(s.now)} UTC` },
      { label: "Batches", value: String(s.batches.length) },
      { label: "Metrics", value: String(sum("metrics")) },
      { label: "Scores", value: String(sum("scores")) },
      {
        label: "Alerts",
        value: `${alerts} (${sum("alerts")} anomaly, ${sum("changes")} change, ${sum("tholdalerts")} threshold, ${sum("llmalerts")} LLM)`,
      },
    ],
    notes,
    tables: [
      {
        heading: "Per batch",
        columns: [
          { label: "batch" },
          { label: "metrics", numeric: true },
          { label: "points", numeric: true },
          { label: "scores", numeric: true },
          { label: "anomaly", numeric: true },
          { label: "change", numeric: true },
          { label: "threshold", numeric: true },
          { label: "LLM", numeric: true },
        ],
        rows: s.batches.map((b) => [b.batch, b.metrics, b.points, b.scores, b.alerts, b.changes, b.tholdalerts, b.llmalerts].map(String)),
      },
      {
        heading: "Most anomalous metrics",
        columns: [
          { label: "metric" },
          { label: "batch" },
          { label: "alerts", numeric: true },
          { label: "max score", numeric: true },
          { label: "mean score", numeric: true },
          { label: "last value", numeric: true },
        ],
        rows: s.top.map((m) => [
          m.metric,
          m.batch,
          String(m.alerts),
          m.maxScore === null ? "-" : formatScore(m.maxScore),
          m.meanScore === null ? "-" : formatScore(m.meanScore),
          m.lastValue === null ? "-" : formatValue(m.lastValue),
        ]),
      },
    ],
    tags: [],
    id: `summary.${day}`,
  };
}

/** What a failure notice reports. */
export interface FailureReport {
  batch: string;
  job: string;
  error: string;
  runUrl?: string;
  at: Date;
}

/** Longest error text a failure notice carries (Slack sections hold 3,000 characters). */
export const MAX_ERROR_CHARS = 2500;

/** A job failure as a short Notice: batch, job, time, the error and a link to the run. */
export function failureNoticeOf(f: FailureReport): Notice {
  const title = `❌ [${f.batch}] ${f.job} failed`;
  const error =
    f.error.length > MAX_ERROR_CHARS ? `${f.error.slice(0, MAX_ERROR_CHARS)}\n… (${f.error.length - MAX_ERROR_CHARS} more characters)` : f.error;
  const firstLine = f.error.split("\n")[0] ?? "";
  return {
    title,
    line: `${title}: ${firstLine}${f.runUrl ? ` (${f.runUrl})` : ""}`,
    tone: "error",
    fields: [
      { label: "Batch", value: f.batch },
      { label: "Job", value: f.job },
      { label: "Time", value: `${formatMinute(f.at)} UTC` },
    ],
    notes: [{ heading: "Error", lines: error.split("\n"), code: true }],
    tables: [],
    tags: [],
    link: f.runUrl ? { label: "Open the run", url: f.runUrl } : undefined,
  };
}

/** The notice that a batch's data stopped arriving (sent once per silence, by the ingest job). */
export function staleNotice(s: { batch: string; latest: Date; now: Date; periods: number; cron: string }): Notice {
  const title = `⏸️ [${s.batch}] no new data since ${formatMinute(s.latest)} UTC`;
  return {
    title,
    line: `${title}: nothing ingested for more than ${s.periods} ingest period(s) (${s.cron})`,
    tone: "warning",
    fields: [
      { label: "Batch", value: s.batch },
      { label: "Newest point", value: `${formatMinute(s.latest)} UTC` },
      { label: "Checked", value: `${formatMinute(s.now)} UTC` },
    ],
    notes: [
      {
        heading: "What this means",
        lines: [
          `The batch has stored no new point for more than ${s.periods} ingest period(s) of ${s.cron} (stale_after_n_periods).`,
          "Check its source (ingest_sql or ingest_fn); this notice is sent once until new data arrives.",
        ],
      },
    ],
    tables: [],
    tags: [],
  };
}
