// Windmill stage script. Ingest: fetch the batch's metrics (ingest_sql or ingest_fn) and append them to the metrics table.
// The work is in ./jobs/ingest.ts; this file only opens the batch's stores and runs it.
import { runStage } from "./runtime/stage.ts";

/**
 * @param batch the metric batch (its `metric_batch` name)
 * @param now ISO timestamp to treat as now (empty: the current time), for reruns and backfills
 */
export async function main(batch: string, now = "") {
  return runStage("ingest", batch, { now });
}
