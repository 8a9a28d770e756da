// Checks and de-duplication shared by the stores whose append is one MERGE statement (BigQuery,
// Snowflake): rows are validated before anything is sent, and a row repeated within one call is sent
// once (a MERGE inserts every unmatched source row, duplicates included).
//nobundling
import type { MetricRow } from "./metric-row.ts";
import { StoreError } from "./metrics-store.ts";

/** Throws naming the first row with an invalid timestamp or a non-finite value. */
export function checkRows(rows: readonly MetricRow[]): void {
  rows.forEach((r, i) => {
    if (!Number.isFinite(r.metric_timestamp.getTime())) throw new StoreError(`row ${i} (${r.metric_name}) has an invalid timestamp`);
    if (!Number.isFinite(r.metric_value)) {
      throw new StoreError(`row ${i} (${r.metric_name} at ${r.metric_timestamp.toISOString()}) has a non-finite value`);
    }
  });
}

/** The rows with the first of each (timestamp, batch, name, type) kept, in their order. */
export function uniqueRows(rows: readonly MetricRow[]): MetricRow[] {
  const seen = new Set<string>();
  const out: MetricRow[] = [];
  for (const r of rows) {
    const key = `${r.metric_timestamp.getTime()}\u0001${r.metric_batch}\u0001${r.metric_name}\u0001${r.metric_type}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}
