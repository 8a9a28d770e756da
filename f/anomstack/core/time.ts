// Timestamps: every instant in the product is UTC. Text without a zone (what SQL engines and people
// often write) is read as UTC, and SQL is given 'YYYY-MM-DD HH:MM:SS[.mmm]' literals, which every
// engine reads as a timestamp without a zone. The one place where these conventions live. Pure.
//nobundling

/** An explicit zone at the end of an ISO-8601 text: `Z`, `+02:00`, `-0500`. */
const ZONE = /(?:[zZ]|[+-]\d\d:?\d\d)$/;

/**
 * Epoch milliseconds of an ISO-8601 text; without a zone it is UTC, and a space may stand for `T`.
 * NaN when the text is not a timestamp.
 * @example parseUtc("2024-01-01 10:00:00") // => 1704103200000
 * @example parseUtc("2024-01-01T12:00:00+02:00") // => 1704103200000
 */
export function parseUtc(text: string): number {
  const iso = text.trim().replace(" ", "T");
  return Date.parse(ZONE.test(iso) ? iso : `${iso}Z`);
}

/** A stored timestamp as epoch ms: DuckDB gives a Date, other drivers may give text or a number. NaN otherwise. */
export function toMillis(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === "string") return parseUtc(v);
  if (typeof v === "number") return v;
  return Number.NaN;
}

/**
 * A job's `now`: a Date as is, empty for the current time (the one read of the clock), else an
 * ISO-8601 text (UTC without a zone).
 * @throws Error naming the text when it is not a timestamp.
 */
export function parseNow(now: string | Date | null | undefined): Date {
  if (now instanceof Date) return now;
  if (!now) return new Date();
  const ms = parseUtc(now);
  if (!Number.isFinite(ms)) throw new Error(`now: "${now.slice(0, 40)}" is not an ISO timestamp`);
  return new Date(ms);
}

/**
 * `now` to the whole second: the templates see `now` to the second, so the points a job stamps with it
 * must not be finer.
 */
export function truncateToSecond(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

/**
 * The SQL literal text of an instant, to the millisecond, for a `cast(? as timestamp)` parameter.
 * @example sqlTimestamp(new Date("2024-01-01T10:00:00.250Z")) // => "2024-01-01 10:00:00.250"
 */
export function sqlTimestamp(d: Date | number): string {
  return new Date(d).toISOString().replace("T", " ").replace("Z", "");
}

/**
 * An instant to the second, 'YYYY-MM-DD HH:MM:SS' in UTC: what templates see for `now` and what
 * LLM prompts show.
 * @example secondTimestamp(new Date("2024-01-01T10:00:00.250Z")) // => "2024-01-01 10:00:00"
 */
export function secondTimestamp(d: Date | number): string {
  return new Date(d).toISOString().slice(0, 19).replace("T", " ");
}
