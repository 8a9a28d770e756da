// Shards: a batch's metrics split into `shard_count` stable groups, so the train and score flows can
// process them in parallel Windmill for-loop iterations. Pure.
//nobundling

export { shardOf } from "../core/shard.ts";

/** Validate a (shard, shard_count) pair from a stage's inputs. */
export function checkShard(shard: number, count: number): void {
  if (!Number.isInteger(count) || count < 1) throw new Error(`shard_count must be a positive integer, got ${count}`);
  if (!Number.isInteger(shard) || shard < 0 || shard >= count) throw new Error(`shard must be an integer in [0, ${count - 1}], got ${shard}`);
}

/** The shards a batch of `metrics` metrics needs with at most `shardSize` metrics each (at least one). */
export function shardPlan(metrics: number, shardSize: number): { shard: number; shard_count: number }[] {
  const count = Math.max(1, Math.ceil(metrics / Math.max(1, shardSize)));
  return Array.from({ length: count }, (_, shard) => ({ shard, shard_count: count }));
}
