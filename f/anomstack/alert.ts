// Windmill stage script. Alert: smooth the scores, alert the newest points above alert_threshold unless snoozed; save and deliver.
// The work is in ./jobs/alert.ts; this file only opens the batch's stores and runs it.
import { runStage } from "./runtime/stage.ts";

/**
 * @param batch the metric batch (its `metric_batch` name)
 * @param now ISO timestamp to treat as now (empty: the current time), for reruns and backfills
 */
export async function main(batch: string, now = "") {
  return runStage("alert", batch, { now });
}
