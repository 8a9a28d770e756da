// How many metrics a batch has (its metric rows within the training window), to plan its shards.
//nobundling
import { quoteTableKey } from "../store/metrics-store.ts";
import type { JobContext } from "./job-context.ts";
import { sqlTimestamp } from "../core/time.ts";

export async function countBatchMetrics(ctx: JobContext): Promise<number> {
  const { cfg } = ctx;
  const since = new Date(ctx.now.getTime() - cfg.train_metric_timestamp_max_days_ago * 86_400_000);
  const [{ n }] = await ctx.store.query<{ n: number }>(
    `select count(distinct metric_name) as n from ${quoteTableKey(cfg.table_key, ctx.store.dialect)}
     where metric_batch = ? and metric_type = 'metric' and metric_timestamp >= cast(? as timestamp)`,
    [cfg.metric_batch, sqlTimestamp(since)],
  );
  return n;
}
