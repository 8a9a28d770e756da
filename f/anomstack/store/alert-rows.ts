// Rows the jobs read back outside their SQL templates: the flag rows of alerts (metric_type = the job
// that raised them) by their time span, so the delivery of alerts rebuilds each message from its row's
// metadata; and the newest point of a batch, to tell when its data stopped arriving.
//nobundling
import { toMillis } from "../core/time.ts";
import type { MetricsStore } from "./metrics-store.ts";
import { latestMetricPoint, readRowsBetween } from "./queries.ts";

export interface AlertRow {
  metric_name: string;
  metric_timestamp: Date;
  metadata: string;
}

/** The batch's `type` flag rows from `from` to `to` (epoch ms, both included). */
export async function readAlertRows(store: MetricsStore, batch: string, type: string, from: number, to: number): Promise<AlertRow[]> {
  return readRowsBetween<AlertRow>(store, "metric_name, metric_timestamp, metadata", batch, [type], from, to);
}

/** The newest `metric` point of the batch, or null when it has none. */
export async function readLatestPoint(store: MetricsStore, batch: string): Promise<Date | null> {
  return latestMetricPoint(store, batch);
}

/** The batch's values and scores from `from` to `to` (epoch ms), by metric and timestamp: `metric\u0001ms` → {value, score}. */
export async function readPointValues(
  store: MetricsStore,
  batch: string,
  from: number,
  to: number,
): Promise<Map<string, { value?: number; score?: number }>> {
  const rows = await readRowsBetween<{ metric_name: string; metric_type: string; metric_timestamp: Date; metric_value: number }>(
    store,
    "metric_name, metric_type, metric_timestamp, metric_value",
    batch,
    ["metric", "score"],
    from,
    to,
  );
  const out = new Map<string, { value?: number; score?: number }>();
  for (const r of rows) {
    const key = `${r.metric_name}\u0001${toMillis(r.metric_timestamp)}`;
    const p = out.get(key) ?? {};
    if (r.metric_type === "metric") p.value = Number(r.metric_value);
    else p.score = Number(r.metric_value);
    out.set(key, p);
  }
  return out;
}
