// Turn what an ingest returned (SQL rows or a TypeScript function's array) into validated metric rows
// with errors that name the row, the column and the value at fault. Pure.
//nobundling
import { roundTo, type MetricColumns, type MetricRow } from "../store/metric-row.ts";

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
  /** The latest timestamp a row may have (epoch ms): the job's `now` plus `ingest_max_future_minutes`. */
  latest?: { ms: number; why: string };
}

export interface WrangleResult {
  rows: MetricRow[];
  /** Human-readable notes, e.g. rows dropped because their value was missing. */
  warnings: string[];
}

// date, optional time (seconds and fraction optional), optional zone: Z, +HH:MM, +HHMM or +HH (DuckDB and
// PostgreSQL print timestamptz as "2024-01-01 00:00:00+00").
const ISO_LIKE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|([+-])(\d{2})(?::?(\d{2}))?)?$/i;
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * Parse a timestamp: a Date, epoch milliseconds, or an ISO-8601-like string. Strings without a zone
 * are UTC (the table stores UTC). Returns NaN when unparsable or when the date or time does not exist.
 * @example parseTimestamp("2024-01-01 02:00:00+02") // => 1704067200000 (2024-01-01T00:00:00Z)
 */
export function parseTimestamp(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  // Through a Date, so numbers outside a Date's range (±8.64e15 ms) give NaN.
  // As a Date's time value would be (TimeClip), without making one: a million-row ingest parses a million.
  if (typeof v === "number") return Math.abs(v) <= 8.64e15 ? Math.trunc(v) + 0 : Number.NaN;
  if (typeof v === "bigint") return new Date(Number(v)).getTime();
  if (typeof v !== "string") return Number.NaN;
  const m = ISO_LIKE.exec(v.trim());
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((k) => Number(m[k] ?? 0));
  const [sign, oh, om] = [m[9], Number(m[10] ?? 0), Number(m[11] ?? 0)];
  // A date or time that does not exist is refused, not rolled over (Date.UTC makes 2024-02-30 March 1).
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59 || oh > 23 || om > 59) {
    return Number.NaN;
  }
  // JS dates keep milliseconds only; longer fractions are truncated.
  const ms = Number((m[7] ?? "").slice(0, 3).padEnd(3, "0"));
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // not Date.UTC, which reads years 0-99 as 1900-1999
  date.setUTCHours(h, mi, sec, ms);
  const offsetMs = sign ? (sign === "-" ? -1 : 1) * (oh * 60 + om) * 60_000 : 0;
  return new Date(date.getTime() - offsetMs).getTime();
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** Validate and normalise ingested rows. Throws {@link IngestDataError} on anything unusable. */
export function wrangleIngested(data: unknown, opts: WrangleOptions): WrangleResult {
  if (!Array.isArray(data)) {
    throw new IngestDataError(`ingest must return an array of rows {metric_timestamp, metric_name, metric_value}, got ${describe(data)}`);
  }
  // An empty window (late data, a quiet source) is not an error: nothing to store this time.
  if (data.length === 0) return { rows: [], warnings: ["ingest returned no rows: nothing new in this window"] };
  const rows: MetricRow[] = [];
  const fields: RowFields = { timestamp: undefined, name: undefined, value: undefined, metadata: undefined };
  const checker = new RowChecker(opts);
  checker.check(
    0,
    data.length,
    (i) => {
      const raw = data[i];
      if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return `row ${i}: expected an object, got ${describe(raw)}`;
      const obj = raw as Record<string, unknown>;
      // Fast path for the usual lower-case columns; other spellings (e.g. Snowflake's upper case) are lowered,
      // all of them, so an upper-case METADATA next to lower-case metric columns is not lost.
      const r = hasLowerCaseKeys(obj) ? obj : lowerKeys(obj);
      const missing = INGEST_COLUMNS.filter((c) => !(c in r));
      if (missing.length) return missingColumns(i, missing, Object.keys(r));
      fields.timestamp = r.metric_timestamp;
      fields.name = r.metric_name;
      fields.value = r.metric_value;
      fields.metadata = r.metadata;
      return fields;
    },
    (ts, name, value, metadata) =>
      rows.push({
        metric_timestamp: new Date(ts),
        metric_batch: opts.batch,
        metric_name: name,
        metric_type: "metric",
        metric_value: value,
        metadata,
      }),
  );
  return { rows, warnings: checker.finish() };
}

/** Validated ingested rows as columns: what {@link wrangleIngested} gives, without an object per row. */
export type WrangledColumns = MetricColumns;

/**
 * {@link wrangleIngested} of a query result given column by column (an ingest_sql's), with the same
 * checks and messages: each row is seen as the object of its columns.
 */
export function wrangleIngestedColumns(
  result: { rowCount: number; columns: Record<string, unknown[]> },
  opts: WrangleOptions,
): { columns: WrangledColumns; warnings: string[] } {
  const checker = new IngestColumnsChecker(opts);
  const columns = checker.add(result);
  return { columns, warnings: checker.finish() };
}

/**
 * {@link wrangleIngestedColumns} of a result read a window of rows at a time (a big ingest_sql's, so that
 * it is never held at once): {@link add} checks a window (its rows numbered on from the windows before)
 * and gives its usable rows, none once any row was invalid (nothing is to be stored then); {@link finish}
 * throws the error wrangleIngestedColumns would have thrown for the whole result, or gives its warnings.
 */
export class IngestColumnsChecker {
  private readonly checker: RowChecker;
  private seen = 0;
  /** Rows given back to store so far. */
  stored = 0;
  /** The metrics of those rows. */
  readonly metrics = new Set<string>();

  constructor(opts: WrangleOptions) {
    this.checker = new RowChecker(opts);
  }

  add(window: { rowCount: number; columns: Record<string, unknown[]> }): WrangledColumns {
    const columns: WrangledColumns = { metric_timestamp: [], metric_name: [], metric_value: [], metadata: [] };
    if (window.rowCount === 0) return columns;
    // Every row has the same columns: lowered (as for rows) and checked once.
    const lowered: Record<string, unknown[]> = {};
    for (const [k, v] of Object.entries(window.columns)) lowered[k.toLowerCase()] = v;
    const missing = INGEST_COLUMNS.filter((c) => !(c in lowered));
    const { metric_timestamp: ts, metric_name: name, metric_value: value, metadata } = lowered;
    const fields: RowFields = { timestamp: undefined, name: undefined, value: undefined, metadata: undefined };
    const offset = this.seen;
    this.seen += window.rowCount;
    this.checker.check(
      offset,
      window.rowCount,
      (i) => {
        if (missing.length) return missingColumns(offset + i, missing, Object.keys(lowered));
        fields.timestamp = ts[i];
        fields.name = name[i];
        fields.value = value[i];
        fields.metadata = metadata?.[i];
        return fields;
      },
      (ts, name, value, metadata) => {
        columns.metric_timestamp.push(ts);
        columns.metric_name.push(name);
        columns.metric_value.push(value);
        columns.metadata.push(metadata);
        this.metrics.add(name);
      },
    );
    this.stored += columns.metric_timestamp.length;
    return columns;
  }

  finish(): string[] {
    if (this.seen === 0) return ["ingest returned no rows: nothing new in this window"];
    return this.checker.finish();
  }
}

/** The columns of one ingested row (a reused record: read it before asking for the next row). */
interface RowFields {
  timestamp: unknown;
  name: unknown;
  value: unknown;
  metadata: unknown;
}

function missingColumns(i: number, missing: readonly string[], got: readonly string[]): string {
  return `row ${i}: missing column(s) ${missing.join(", ")}; got columns ${got.join(", ") || "(none)"}`;
}

/** How many invalid rows an error lists (the others are counted). */
const ERRORS_SHOWN = 10;

/**
 * Checks rows, possibly in several calls of {@link check}, then {@link finish} throws for the invalid
 * ones or gives the warnings. Once a row was invalid, no more rows are emitted.
 */
class RowChecker {
  private usable = 0;
  private readonly droppedByMetric = new Map<string, number>();
  private readonly errors: string[] = [];
  private errorCount = 0;

  constructor(private readonly opts: WrangleOptions) {}

  private error(message: string): void {
    if (this.errors.length < ERRORS_SHOWN) this.errors.push(message);
    this.errorCount++;
  }

  /**
   * Check rows `first`..`first + n - 1` (`rowAt(i)`, i from 0: the row's columns, or the message of why it
   * has none), handing each usable one to `emit` while no row was invalid.
   */
  check(
    first: number,
    n: number,
    rowAt: (i: number) => RowFields | string,
    emit: (ts: number, name: string, value: number, metadata: string) => void,
  ): void {
    const opts = this.opts;
    for (let k = 0; k < n; k++) {
      const i = first + k;
      const r = rowAt(k);
      if (typeof r === "string") {
        this.error(r);
        continue;
      }
      const name = r.name;
      if (typeof name !== "string" || name.trim() === "") {
        this.error(`row ${i}: metric_name must be a non-empty string, got ${describe(name)}`);
        continue;
      }
      const ts = parseTimestamp(r.timestamp);
      if (!Number.isFinite(ts)) {
        this.error(`row ${i} (${name}): metric_timestamp ${describe(r.timestamp)} is not a valid timestamp`);
        continue;
      }
      if (opts.latest && ts > opts.latest.ms) {
        this.error(`row ${i} (${name}): metric_timestamp ${new Date(ts).toISOString()} is in the future (${opts.latest.why})`);
        continue;
      }
      const value = parseValue(r.value);
      if (value === "missing") {
        this.droppedByMetric.set(name, (this.droppedByMetric.get(name) ?? 0) + 1);
        continue;
      }
      if (value === "invalid") {
        this.error(`row ${i} (${name}): metric_value ${describe(r.value)} is not a number`);
        continue;
      }
      const bounds = opts.thresholds?.[name];
      const metadata = mergeMetadata(r.metadata, bounds ? { thresholds: bounds } : undefined, i);
      if (this.errorCount === 0) emit(ts, name, roundTo(value, opts.rounding), metadata);
      this.usable++;
    }
  }

  /** Throws {@link IngestDataError} listing the invalid rows, if any; else the warnings. */
  finish(): string[] {
    if (this.errorCount) {
      const shown = this.errors.join("\n  ");
      const more = this.errorCount > ERRORS_SHOWN ? `\n  ... and ${this.errorCount - ERRORS_SHOWN} more` : "";
      throw new IngestDataError(`ingest returned ${this.errorCount} invalid row(s):\n  ${shown}${more}`);
    }
    const warnings = [...this.droppedByMetric].map(([name, n]) => `dropped ${n} row(s) of ${name} with a missing (null/NaN) metric_value`);
    if (this.usable === 0) warnings.push("ingest returned no usable rows: nothing stored in this window");
    return warnings;
  }
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
    if (!extra) return given; // nothing to merge: the text is kept exactly as the ingest gave it
    try {
      const parsed = JSON.parse(given);
      base = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : { value: parsed };
    } catch {
      base = { text: given };
    }
  } else if (typeof given === "object") base = given as Record<string, unknown>;
  else throw new IngestDataError(`row ${row}: metadata must be a string or an object, got ${describe(given)}`);
  if (!base && !extra) return "";
  return JSON.stringify({ ...base, ...extra });
}

function hasLowerCaseKeys(r: Record<string, unknown>): boolean {
  for (const k in r) if (k !== k.toLowerCase()) return false;
  return true;
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
