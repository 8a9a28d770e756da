// SQLite's (and Turso's) SQL where it differs. SQLite has no timestamp type: timestamps are stored as
// UTC text 'YYYY-MM-DD HH:MM:SS.SSS' (always with milliseconds), which sorts and compares like time, and
// every timestamp expression is normalised to that form with strftime('%Y-%m-%d %H:%M:%f', ...).
//nobundling
import { standardDialect } from "../dialect.ts";

const ts = (e: string, modifier?: string) => `strftime('%Y-%m-%d %H:%M:%f', ${e}${modifier ? `, '${modifier}'` : ""})`;

export const sqliteDialect = standardDialect("sqlite", {
  types: { text: "TEXT", int: "INTEGER", double: "REAL", timestamp: "TEXT" },
  primaryKeys: true,
  onConflictDoNothing: "on conflict do nothing",
  timestamp: (t) => ts(t),
  minusDays: (e, d) => ts(e, `-${d} days`),
  epochSeconds: (e) => `unixepoch(${e}, 'subsec')`,
});

/** The stored text of an instant: what `timestamp()` yields, so equal instants are equal text. */
export function sqliteTimestampText(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

/** Stored timestamp text, as the store recognises it in query results (and turns into a Date). */
export const SQLITE_TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/;
