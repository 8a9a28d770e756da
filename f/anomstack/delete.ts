// Windmill stage script. Delete: remove the batch's rows older than delete_after_n_days.
// The work is in ./jobs/delete.ts; this file only opens the batch's stores and runs it.
import { runStage } from "./runtime/stage.ts";

/**
 * @param batch the metric batch (its `metric_batch` name)
 * @param now ISO timestamp to treat as now (empty: the current time), for reruns and backfills
 */
export async function main(batch: string, now = "") {
  return runStage("delete", batch, { now });
}
