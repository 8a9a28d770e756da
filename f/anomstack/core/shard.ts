// Which shard a metric belongs to: the one hash the jobs (train, score) and the model store agree on.
//nobundling

/**
 * The shard (0 ≤ shard < count) a metric belongs to: FNV-1a of its name, modulo `count`. Stable across
 * runs, processes and machines, so a metric is always trained and scored by the same shard.
 * @example shardOf("cpu_user", 1) // => 0
 */
export function shardOf(metric: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < metric.length; i++) {
    h ^= metric.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % count;
}
