// The flag rows of alerts (metric_type = the job that raised them), read back by their time span: the
// delivery of alerts rebuilds each message from its row's metadata.
//nobundling
import { sqlTimestamp } from "../core/time.ts";
import { quoteTableKey, type MetricsStore } from "./metrics-store.ts";

export interface AlertRow {
  metric_name: string;
  metric_timestamp: Date;
  metadata: string;
}

/** The batch's `type` flag rows from `from` to `to` (epoch ms, both included). */
export async function readAlertRows(store: MetricsStore, batch: string, type: string, from: number, to: number): Promise<AlertRow[]> {
  const rows = await store.query<{ metric_name: string; metric_timestamp: Date; metadata: string }>(
    `select metric_name, metric_timestamp, metadata from ${quoteTableKey(store.tableKey)}
     where metric_batch = ? and metric_type = ?
       and metric_timestamp >= cast(? as timestamp) and metric_timestamp <= cast(? as timestamp)`,
    [batch, type, sqlTimestamp(from), sqlTimestamp(to)],
  );
  return rows;
}
