// Anomstack shard plan: split a batch's metrics into shards of at most shard_size metrics, each with its metric names.
// Windmill stage script run first by the train and score flows, whose for-loop runs one shard per item.
//nobundling
import { withJobContext } from "./stages/run-stage.ts";
import type { C_anomstack_settings } from "./config/settings-resource.ts";
import { planBatchShards } from "./jobs/plan-shards.ts";

/**
 * @param batch the metric batch to plan for
 * @param now ISO timestamp to treat as now (empty: the current time)
 * @param settings the deployment's settings resource
 */
export async function main(batch: string, now = "", settings?: C_anomstack_settings) {
  return withJobContext(batch, { now, settings }, async (ctx) => planBatchShards(ctx));
}
