// Turn what an ingest returned (SQL rows or a TypeScript function's array) into validated metric rows
// (anomstack-behaviour §1.8), with errors that name the row, the column and the value at fault. Pure.
import { roundTo, type MetricRow } from "../store/metric-row.ts";

export const INGEST_COLUMNS = ["metric_timestamp", "metric_name", "metric_value"] as const;

/** Raised when ingested data is unusable; nothing is stored in that case. */
export class IngestDataError extends Error {
  override name = "IngestDataError";
}

export interface WrangleOptions {
  batch: string;
  /** Decimals kept (`ingest_metric_rounding`); negative = no rounding. */
  rounding: number;
  /** `tholdalert_thresholds`: a metric's bounds are stored in its rows' metadata, as in the original. */
  thresholds?: Record<string, { upper?: number; lower?: number }>;
}

export interface WrangleResult {
  rows: MetricRow[];
  /** Human-readable notes, e.g. rows dropped because their value was missing. */
  warnings: string[];
}

const ISO_LIKE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * Parse a timestamp: a Date, epoch milliseconds, or an ISO-8601-like string. Strings without a zone
 * are UTC (the table stores UTC). Returns NaN when unparsable.
 */
export function parseTimestamp(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === "number") return Number.isFinite(v) ? v : Number.NaN;
  if (typeof v === "bigint") return Number(v);
  if (typeof v !== "string") return Number.NaN;
  const s = v.trim();
  const m = ISO_LIKE.exec(s);
  if (!m) return Number.NaN;
  let iso = s.replace(" ", "T");
  if (!m[1]) iso += iso.length === 10 ? "T00:00:00Z" : "Z";
  // JS dates keep milliseconds only; longer fractions are truncated.
  iso = iso.replace(/(\.\d{3})\d+/, "$1");
  return Date.parse(iso);
}

/** Validate and normalise ingested rows. Throws {@link IngestDataError} on anything unusable. */
export function wrangleIngested(data: unknown, opts: WrangleOptions): WrangleResult {
  if (!Array.isArray(data)) {
    throw new IngestDataError(
      `ingest must return an array of rows {metric_timestamp, metric_name, metric_value}, got ${describe(data)}`,
    );
  }
  if (data.length === 0) throw new IngestDataError("ingest returned no rows");
  const rows: MetricRow[] = [];
  const droppedByMetric = new Map<string, number>();
  const errors: string[] = [];
  data.forEach((raw, i) => {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      errors.push(`row ${i}: expected an object, got ${describe(raw)}`);
      return;
    }
    const obj = raw as Record<string, unknown>;
    // Fast path for the usual lower-case columns; other spellings (e.g. Snowflake's upper case) are lowered.
    const r = "metric_timestamp" in obj && "metric_name" in obj && "metric_value" in obj ? obj : lowerKeys(obj);
    const missing = INGEST_COLUMNS.filter((c) => !(c in r));
    if (missing.length) {
      errors.push(`row ${i}: missing column(s) ${missing.join(", ")}; got columns ${Object.keys(r).join(", ") || "(none)"}`);
      return;
    }
    const name = r.metric_name;
    if (typeof name !== "string" || name.trim() === "") {
      errors.push(`row ${i}: metric_name must be a non-empty string, got ${describe(name)}`);
      return;
    }
    const ts = parseTimestamp(r.metric_timestamp);
    if (!Number.isFinite(ts)) {
      errors.push(`row ${i} (${name}): metric_timestamp ${describe(r.metric_timestamp)} is not a valid timestamp`);
      return;
    }
    const value = parseValue(r.metric_value);
    if (value === "missing") {
      droppedByMetric.set(name, (droppedByMetric.get(name) ?? 0) + 1);
      return;
    }
    if (value === "invalid") {
      errors.push(`row ${i} (${name}): metric_value ${describe(r.metric_value)} is not a number`);
      return;
    }
    const bounds = opts.thresholds?.[name];
    rows.push({
      metric_timestamp: new Date(ts),
      metric_batch: opts.batch,
      metric_name: name,
      metric_type: "metric",
      metric_value: roundTo(value, opts.rounding),
      metadata: mergeMetadata(r.metadata, bounds ? { thresholds: bounds } : undefined, i),
    });
  });
  if (errors.length) {
    const shown = errors.slice(0, 10).join("\n  ");
    const more = errors.length > 10 ? `\n  ... and ${errors.length - 10} more` : "";
    throw new IngestDataError(`ingest returned ${errors.length} invalid row(s):\n  ${shown}${more}`);
  }
  const warnings = [...droppedByMetric].map(
    ([name, n]) => `dropped ${n} row(s) of ${name} with a missing (null/NaN) metric_value`,
  );
  if (rows.length === 0) throw new IngestDataError(`ingest returned no usable rows (${warnings.join("; ")})`);
  return { rows, warnings };
}

function parseValue(v: unknown): number | "missing" | "invalid" {
  if (v === null || v === undefined) return "missing";
  if (typeof v === "number") return Number.isNaN(v) ? "missing" : Number.isFinite(v) ? v : "invalid";
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string") {
    const s = v.trim();
    if (s === "" || /^nan$/i.test(s)) return "missing";
    return NUMERIC.test(s) ? Number(s) : "invalid";
  }
  return "invalid";
}

function mergeMetadata(given: unknown, extra: Record<string, unknown> | undefined, row: number): string {
  let base: Record<string, unknown> | undefined;
  if (given === undefined || given === null || given === "") base = undefined;
  else if (typeof given === "string") {
    try {
      const parsed = JSON.parse(given);
      base = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : { value: parsed };
    } catch {
      if (!extra) return given; // free text metadata is kept as is
      base = { text: given };
    }
  } else if (typeof given === "object") base = given as Record<string, unknown>;
  else throw new IngestDataError(`row ${row}: metadata must be a string or an object, got ${describe(given)}`);
  if (!base && !extra) return "";
  return JSON.stringify({ ...base, ...extra });
}

function lowerKeys(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[k.toLowerCase()] = v;
  return out;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "an array";
  if (v instanceof Date) return `Date(${Number.isFinite(v.getTime()) ? v.toISOString() : "Invalid"})`;
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}
