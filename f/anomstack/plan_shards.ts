// Anomstack shard plan: split a batch's metrics into shards of at most shard_size metrics.
// Windmill stage script run first by the train and score flows, whose for-loop runs one shard per item.
//nobundling
import { withJobContext } from "./stages/run-stage.ts";
import type { C_anomstack_settings } from "./config/settings-resource.ts";
import { countBatchMetrics } from "./jobs/plan-shards.ts";
import { shardPlan } from "./jobs/shard.ts";

/**
 * @param batch the metric batch to plan for
 * @param now ISO timestamp to treat as now (empty: the current time)
 * @param settings the deployment's settings resource
 */
export async function main(batch: string, now = "", settings?: C_anomstack_settings) {
  return withJobContext(batch, { now, settings }, async (ctx) => shardPlan(await countBatchMetrics(ctx), ctx.cfg.shard_size));
}
