// The shard plan's items (what the train and score loops pass to each shard as flow_input.iter.value)
// and the check of a shard's `metrics` input.
import { describe, expect, it } from "vitest";
import { checkShardMetrics, shardOf, shardPlan } from "../../f/anomstack/jobs/shard.ts";

describe("shardPlan", () => {
  it("gives each shard of several its metrics, sorted, every metric in the shard shardOf names", () => {
    const names = Array.from({ length: 23 }, (_, i) => `metric_${22 - i}`);
    const plan = shardPlan(23, 10, names);
    expect(plan.map((p) => [p.shard, p.shard_count])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    for (const p of plan) expect(p.metrics).toEqual(names.filter((m) => shardOf(m, 3) === p.shard).sort());
    expect(plan.flatMap((p) => p.metrics ?? []).sort()).toEqual([...names].sort());
  });

  it("lists no names for one shard, nor without names; counts shards from the count given", () => {
    expect(shardPlan(3, 500, ["a", "b", "c"])).toEqual([{ shard: 0, shard_count: 1 }]);
    expect(shardPlan(0, 500, [])).toEqual([{ shard: 0, shard_count: 1 }]);
    expect(shardPlan(1001, 500)).toEqual([0, 1, 2].map((shard) => ({ shard, shard_count: 3 })));
    // Metrics outside the training window are not counted, but their shard still gets them.
    expect(shardPlan(2, 1, ["a", "b", "old"]).flatMap((p) => p.metrics)).toEqual(expect.arrayContaining(["a", "b", "old"]));
  });
});

describe("checkShardMetrics", () => {
  it("takes a list of names, null or nothing (the shard lists them), and refuses anything else", () => {
    expect(checkShardMetrics(["a", "b"])).toEqual(["a", "b"]);
    expect(checkShardMetrics([])).toEqual([]);
    expect(checkShardMetrics(null)).toBeUndefined();
    expect(checkShardMetrics(undefined)).toBeUndefined();
    expect(() => checkShardMetrics("a,b")).toThrow('metrics must be a list of metric names (the shard plan\'s), got "a,b"');
    expect(() => checkShardMetrics(["a", 1])).toThrow('metrics must be a list of metric names (the shard plan\'s), got ["a",1]');
  });
});
