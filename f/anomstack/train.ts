// Windmill stage script. Train: fit one model per metric and model config (PCA, KNN) on recent values; save them as JSON.
// The work is in ./jobs/train.ts; this file only opens the batch's stores and runs it.
import { runStage } from "./runtime/stage.ts";

/**
 * @param batch the metric batch (its `metric_batch` name)
 * @param now ISO timestamp to treat as now (empty: the current time), for reruns and backfills
 */
export async function main(batch: string, now = "") {
  return runStage("train", batch, { now });
}
