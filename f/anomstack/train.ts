// Anomstack train: fit one model per metric and model config on recent values; save them as JSON.
// Windmill stage script: the work is in ./jobs/train.ts; this file opens the batch's stores and runs it.
//nobundling
import { runStage } from "./stages/run-stage.ts";
import type { C_anomstack_settings } from "./config/settings-resource.ts";

/**
 * @param batch the metric batch to run (its `metric_batch` name)
 * @param now ISO timestamp to treat as now, for reruns and backfills (empty: the current time)
 * @param shard which shard of the batch's metrics to handle (0-based; see shard_size)
 * @param shard_count how many shards the batch's metrics are split into (1 = all metrics at once)
 * @param metrics the shard's metrics as the shard plan listed them (plan_shards; absent or null: the shard lists them)
 * @param settings the deployment's settings resource (database path, overrides, alert channels)
 */
export async function main(batch: string, now = "", shard = 0, shard_count = 1, metrics?: string[] | null, settings?: C_anomstack_settings) {
  return runStage("train", batch, { now, settings, shard, shardCount: shard_count, shardMetrics: metrics });
}
