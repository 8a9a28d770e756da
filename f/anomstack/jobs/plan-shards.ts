// The shard plan of a batch: how many shards its metrics need (those with values within the training
// window), and each shard's stored metrics, so that the shards do not list them again.
//nobundling
import { newestByMetric } from "../store/queries.ts";
import type { JobContext } from "./job-context.ts";
import { shardPlan, type ShardPlanItem } from "./shard.ts";

export async function planBatchShards(ctx: JobContext): Promise<ShardPlanItem[]> {
  const { cfg } = ctx;
  const since = ctx.now.getTime() - cfg.train_metric_timestamp_max_days_ago * 86_400_000;
  const newest = await newestByMetric(ctx.store, cfg.metric_batch);
  let recent = 0;
  for (const t of newest.values()) if (t >= since) recent++;
  return shardPlan(recent, cfg.shard_size, [...newest.keys()]);
}
