// Label formats `anomstack eval` reads, parsed into plain maps (pure: the caller reads the files):
// NAB-style anomaly windows (combined_windows.json), point labels (a CSV column), and the dashboard's
// thumbs up / down feedback rows.
import { parseUtc } from "../../f/anomstack/core/time.ts";

/** Anomaly windows per label key: `[start, end]` epoch ms, inclusive. */
export type WindowLabels = Map<string, [number, number][]>;

/** Labelled anomalous timestamps per metric. */
export type PointLabels = Map<string, Set<number>>;

/**
 * A label timestamp as epoch ms: ISO-8601, or "YYYY-MM-DD HH:MM:SS[.ffffff]" (NAB's form), read as
 * UTC when it has no zone; a plain number is epoch seconds below 1e11, else epoch milliseconds.
 * @example parseLabelTime("2014-04-10 07:15:00.000000") // => 1397114100000
 * @example parseLabelTime("1397114100") // => 1397114100000
 */
export function parseLabelTime(s: string): number {
  const text = s.trim().replace(/^"|"$/g, "");
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  // Date.parse reads milliseconds only: NAB's microseconds are cut.
  const t = parseUtc(text.replace(/(\.\d{3})\d+/, "$1"));
  if (!Number.isFinite(t)) throw new Error(`not a timestamp: ${JSON.stringify(s)}`);
  return t;
}

/**
 * NAB's `combined_windows.json`: `{ "<file or metric>": [[start, end], ...] }`. An empty list means the
 * series is labelled and has no anomaly.
 * @throws Error naming the key of a malformed entry.
 */
export function parseWindowLabels(json: string): WindowLabels {
  const raw = JSON.parse(json) as unknown;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new Error("windows file: expected a JSON object of key -> [[start, end], ...]");
  const out: WindowLabels = new Map();
  for (const [key, list] of Object.entries(raw as Record<string, unknown>)) {
    if (!Array.isArray(list)) throw new Error(`windows file: ${key} is not a list of windows`);
    const windows = list.map((w, i) => {
      if (!Array.isArray(w) || w.length !== 2) throw new Error(`windows file: ${key}[${i}] is not a [start, end] pair`);
      const a = parseLabelTime(String(w[0]));
      const b = parseLabelTime(String(w[1]));
      if (b < a) throw new Error(`windows file: ${key}[${i}] ends before it starts`);
      return [a, b] as [number, number];
    });
    out.set(
      key,
      windows.sort((x, y) => x[0] - y[0]),
    );
  }
  return out;
}

/**
 * The metric a label key names: the key itself, else the key without its `.csv` extension, else its
 * last path segment with or without `.csv` (NAB keys are "realKnownCause/nyc_taxi.csv").
 * @example labelKeyToMetric("realKnownCause/nyc_taxi.csv", new Set(["nyc_taxi"])) // => "nyc_taxi"
 */
export function labelKeyToMetric(key: string, metrics: ReadonlySet<string>): string | undefined {
  const noExt = key.replace(/\.csv$/i, "");
  const base = key.split("/").pop()!;
  for (const candidate of [key, noExt, base, base.replace(/\.csv$/i, "")]) if (metrics.has(candidate)) return candidate;
  return undefined;
}

/** Splits one CSV line (double quotes may enclose commas; "" is a quote). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out.map((f) => f.trim());
}

/** Options of {@link parsePointLabels}. */
export interface PointLabelOptions {
  /** Column holding the label: a point is anomalous when it is 1/true/yes (any non-zero number). Default "label". */
  labelColumn?: string;
  /** Metric of every row when the CSV has no metric / metric_name column. */
  metric?: string;
}

/**
 * Point labels from a CSV with a header: a timestamp column (`metric_timestamp` or `timestamp`), a metric
 * column (`metric_name` or `metric`; optional with `opts.metric`) and the label column. Only anomalous
 * points are kept; every other point of a labelled metric counts as normal.
 *
 * @throws Error naming the missing column or the row with an unreadable value.
 * @example parsePointLabels("timestamp,label\n2024-01-01 00:05:00,1\n2024-01-01 00:10:00,0\n", { metric: "m" }) // => Map { "m" => Set { 1704067500000 } }
 */
export function parsePointLabels(csv: string, opts: PointLabelOptions = {}): PointLabels {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) throw new Error("labels file is empty");
  const head = splitCsvLine(lines[0]).map((h) => h.toLowerCase());
  const col = (...names: string[]) => names.map((n) => head.indexOf(n)).find((i) => i >= 0) ?? -1;
  const ti = col("metric_timestamp", "timestamp");
  const mi = col("metric_name", "metric");
  const labelColumn = (opts.labelColumn ?? "label").toLowerCase();
  const li = head.indexOf(labelColumn);
  if (ti < 0) throw new Error(`labels file: no metric_timestamp or timestamp column (header: ${head.join(",")})`);
  if (li < 0) throw new Error(`labels file: no ${labelColumn} column (header: ${head.join(",")}); choose one with --label-column`);
  if (mi < 0 && !opts.metric) throw new Error("labels file: no metric_name or metric column; name the metric with --metric");
  const out: PointLabels = new Map();
  for (let r = 1; r < lines.length; r++) {
    const f = splitCsvLine(lines[r]);
    const metric = mi >= 0 ? f[mi] : opts.metric!;
    const raw = (f[li] ?? "").toLowerCase();
    const anomalous = raw === "true" || raw === "yes" || (raw !== "" && Number.isFinite(Number(raw)) && Number(raw) !== 0);
    if (!anomalous && !(raw === "" || raw === "false" || raw === "no" || Number(raw) === 0)) {
      throw new Error(`labels file: row ${r + 1}: label ${JSON.stringify(f[li])} is not 0/1/true/false`);
    }
    if (!out.has(metric)) out.set(metric, new Set());
    let t: number;
    try {
      t = parseLabelTime(f[ti] ?? "");
    } catch (e) {
      throw new Error(`labels file: row ${r + 1}: ${(e as Error).message}`);
    }
    if (anomalous) out.get(metric)!.add(t);
  }
  return out;
}

/** Thumbs up / down stored for one metric (dashboard feedback on alerts). */
export interface FeedbackRow {
  metric_name: string;
  metric_timestamp: number;
  metric_type: "thumbsup" | "thumbsdown";
}

/**
 * The latest verdict per (metric, timestamp): true = thumbs up (a right alert), false = thumbs down.
 * Rows must come oldest first as stored; when both exist for a point, thumbs down wins (a doubt is kept).
 */
export function feedbackVerdicts(rows: readonly FeedbackRow[]): Map<string, Map<number, boolean>> {
  const out = new Map<string, Map<number, boolean>>();
  for (const r of rows) {
    let m = out.get(r.metric_name);
    if (!m) out.set(r.metric_name, (m = new Map()));
    const up = r.metric_type === "thumbsup";
    m.set(r.metric_timestamp, m.has(r.metric_timestamp) ? m.get(r.metric_timestamp)! && up : up);
  }
  return out;
}
