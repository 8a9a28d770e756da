// How many metrics a batch has (its metric rows within the training window), to plan its shards.
//nobundling
import { countMetricsSince } from "../store/queries.ts";
import type { JobContext } from "./job-context.ts";

export async function countBatchMetrics(ctx: JobContext): Promise<number> {
  const { cfg } = ctx;
  const since = new Date(ctx.now.getTime() - cfg.train_metric_timestamp_max_days_ago * 86_400_000);
  return countMetricsSince(ctx.store, cfg.metric_batch, since);
}
