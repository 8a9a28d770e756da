// Shards: a batch's metrics split into `shard_count` stable groups, so the train and score flows can
// process them in parallel Windmill for-loop iterations. Pure.
//nobundling

import { shardOf } from "../core/shard.ts";

export { shardOf };

/** Validate a (shard, shard_count) pair from a stage's inputs. */
export function checkShard(shard: number, count: number): void {
  if (!Number.isInteger(count) || count < 1) throw new Error(`shard_count must be a positive integer, got ${count}`);
  if (!Number.isInteger(shard) || shard < 0 || shard >= count) throw new Error(`shard must be an integer in [0, ${count - 1}], got ${shard}`);
}

/** A shard's metric list from a stage's inputs: a list of names, or null/undefined for none given. */
export function checkShardMetrics(metrics: unknown): readonly string[] | undefined {
  if (metrics === null || metrics === undefined) return undefined;
  if (!Array.isArray(metrics) || metrics.some((m) => typeof m !== "string")) {
    throw new Error(`metrics must be a list of metric names (the shard plan's), got ${JSON.stringify(metrics)?.slice(0, 200)}`);
  }
  return metrics;
}

/** One iteration of the train and score flows' shard loop (Windmill passes it as `flow_input.iter.value`). */
export interface ShardPlanItem {
  shard: number;
  shard_count: number;
  /** The shard's metrics (sorted), when the batch is sharded and the plan listed them. */
  metrics?: string[];
}

/** The shards a batch of `metrics` metrics needs with at most `shardSize` metrics each (at least one). */
export function shardCount(metrics: number, shardSize: number): number {
  return Math.max(1, Math.ceil(metrics / Math.max(1, shardSize)));
}

/**
 * The shard plan of a batch of `metrics` metrics with at most `shardSize` metrics each (at least one
 * shard). With `names` (the batch's stored metrics), each shard of several gets its own, so that it
 * need not list the batch's metrics again.
 */
export function shardPlan(metrics: number, shardSize: number, names?: readonly string[]): ShardPlanItem[] {
  const count = shardCount(metrics, shardSize);
  const items: ShardPlanItem[] = Array.from({ length: count }, (_, shard) => ({ shard, shard_count: count }));
  if (names && count > 1) {
    for (const item of items) item.metrics = [];
    for (const name of [...names].sort()) items[shardOf(name, count)].metrics?.push(name);
  }
  return items;
}
