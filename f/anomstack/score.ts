// Windmill stage script. Score: turn every not-yet-scored point into an anomaly probability with the trained models.
// The work is in ./jobs/score.ts; this file only opens the batch's stores and runs it.
import { runStage } from "./runtime/stage.ts";

/**
 * @param batch the metric batch (its `metric_batch` name)
 * @param now ISO timestamp to treat as now (empty: the current time), for reruns and backfills
 */
export async function main(batch: string, now = "") {
  return runStage("score", batch, { now });
}
