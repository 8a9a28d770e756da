// Windmill stage script. Change: detect level changes with MAD on each metric's recent values; save and deliver.
// The work is in ./jobs/change.ts; this file only opens the batch's stores and runs it.
import { runStage } from "./runtime/stage.ts";

/**
 * @param batch the metric batch (its `metric_batch` name)
 * @param now ISO timestamp to treat as now (empty: the current time), for reruns and backfills
 */
export async function main(batch: string, now = "") {
  return runStage("change", batch, { now });
}
