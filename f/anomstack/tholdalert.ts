// Windmill stage script. Threshold alerts: check the newest values against tholdalert_thresholds; save and deliver.
// The work is in ./jobs/tholdalert.ts; this file only opens the batch's stores and runs it.
import { runStage } from "./runtime/stage.ts";

/**
 * @param batch the metric batch (its `metric_batch` name)
 * @param now ISO timestamp to treat as now (empty: the current time), for reruns and backfills
 */
export async function main(batch: string, now = "") {
  return runStage("tholdalert", batch, { now });
}
