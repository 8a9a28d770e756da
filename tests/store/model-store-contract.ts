// What every model store must do, whatever holds its objects (a folder, S3, GCS): run against each by
// tests/store/model-store.test.ts and the S3 / GCS suites.
import { expect, it } from "vitest";
import { shardOf } from "../../f/anomstack/core/shard.ts";
import type { ObjectStore } from "../../f/anomstack/store/model-objects.ts";
import { RunModelStore, type MetricModels, type Shard } from "../../f/anomstack/store/model-store.ts";
import { StoreError } from "../../f/anomstack/store/metrics-store.ts";

/** Names a metrics table accepts that no file system or object key would take as they are. */
export const HOSTILE_NAMES = [
  "x".repeat(300),
  "每日活跃用户数量按地区和设备类型统计的七日滚动平均值指标",
  "temp 🔥/../../etc/passwd",
  ".hidden",
  'quote"and\\backslash',
  "a%2Fb",
  "manifests",
];

/** A model as train writes one (the shape matters less than that it comes back equal). */
export function model(metric: string, tag: string, n = 1): Record<string, unknown> {
  return { kind: "anomstack-model", model_tag: tag, metric, n_train: n, mean: [n, -n / 3], note: "ünï ✓" };
}

/** Models of `metrics` for tags pca and knn, version `n`. */
export function modelsOf(metrics: readonly string[], n = 1): Map<string, MetricModels> {
  return new Map(metrics.map((m) => [m, { pca: model(m, "pca", n), knn: model(m, "knn", n) }]));
}

/** An object store that fails the `failAt`-th put (1-based), to cut a training run short. */
export function failingPuts(inner: ObjectStore, failAt: number): ObjectStore & { puts: number } {
  const wrapped = {
    puts: 0,
    describe: (k: string) => inner.describe(k),
    list: (p: string) => inner.list(p),
    get: (k: string) => inner.get(k),
    delete: (k: string) => inner.delete(k),
    async put(k: string, b: Buffer, t: string) {
      wrapped.puts++;
      if (wrapped.puts === failAt) throw new Error("connection reset");
      return inner.put(k, b, t);
    },
  };
  return wrapped;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

/**
 * The contract. `fresh()` gives an empty object store each call.
 */
export function modelStoreContract(fresh: () => Promise<ObjectStore> | ObjectStore) {
  const open = async () => {
    const objects = await fresh();
    return { objects, store: new RunModelStore("test", objects) };
  };
  const keys = async (objects: ObjectStore) => (await objects.list("")).map((o) => o.key).sort();

  it("saves a run and loads it back in one go, for any metric name (300 characters, Chinese, slashes, dots)", async () => {
    const { store } = await open();
    const metrics = [...HOSTILE_NAMES, "cpu"];
    const saved = await store.saveRun("my batch/ü", { index: 0, count: 1 }, modelsOf(metrics));
    expect(saved.metrics).toBe(metrics.length);
    expect(saved.artifacts).toHaveLength(1);
    const loaded = await store.loadModels("my batch/ü");
    expect(loaded.metrics).toBe(metrics.length);
    expect(loaded.runs).toEqual([saved.run_id]);
    for (const m of metrics) {
      expect(loaded.get(m, "pca"), m).toEqual(model(m, "pca"));
      expect(loaded.modelsOf(m), m).toEqual({ pca: model(m, "pca"), knn: model(m, "knn") });
    }
    expect(loaded.get("cpu", "nope")).toBeUndefined();
    expect(loaded.get("never", "pca")).toBeUndefined();
    // another batch sees nothing
    expect((await store.loadModels("my batch")).metrics).toBe(0);
  });

  it("replaces a run whole: the old run's artifacts go, gone metrics' models go, kept metrics' stay", async () => {
    const { objects, store } = await open();
    const first = await store.saveRun("b", { index: 0, count: 1 }, modelsOf(["a", "b", "gone", "failed"], 1));
    // second run: a and b retrained, "failed" did not train but is kept, "gone" has no data any more
    const second = await store.saveRun("b", { index: 0, count: 1 }, modelsOf(["a", "b"], 2), { keep: ["failed"] });
    expect(second.metrics).toBe(3);
    const loaded = await store.loadModels("b");
    expect(loaded.get("a", "pca")).toEqual(model("a", "pca", 2));
    expect(loaded.get("failed", "knn")).toEqual(model("failed", "knn", 1));
    expect(loaded.get("gone", "pca")).toBeUndefined();
    expect(await keys(objects)).toEqual(["b/manifests/shard-0-of-1.json", ...second.artifacts].sort());
    expect(await keys(objects)).not.toContain(first.artifacts[0]);
    expect(second.removed).toBe(1);
  });

  it("a training run that fails midway leaves the previous models readable and nothing of its own", async () => {
    const objects = await fresh();
    const ok = new RunModelStore("test", objects);
    const before = await ok.saveRun("b", { index: 0, count: 1 }, modelsOf(["a", "b", "c"], 1));
    const beforeKeys = await keys(objects);
    // 3 small artifacts, then the manifest: the 2nd artifact's put fails, then (another run) the manifest's
    for (const failAt of [2, 4]) {
      const broken = new RunModelStore("test", failingPuts(objects, failAt), 300);
      const err = await rejection(broken.saveRun("b", { index: 0, count: 1 }, modelsOf(["a", "b", "c"], 2)));
      expect(err).toBeInstanceOf(StoreError);
      expect(err.message).toMatch(/^cannot save the models of batch "b" to .*runs\/shard-0-of-1\/?: connection reset$/);
      const loaded = await ok.loadModels("b");
      expect(loaded.runs).toEqual([before.run_id]);
      for (const m of ["a", "b", "c"]) expect(loaded.get(m, "pca")).toEqual(model(m, "pca", 1));
      expect(await keys(objects)).toEqual(beforeKeys);
    }
  });

  it("a manifest write that landed but reported an error (a timeout after the store took it) counts as the switch", async () => {
    const objects = await fresh();
    const landsThenFails: ObjectStore = {
      describe: (k) => objects.describe(k),
      list: (p) => objects.list(p),
      get: (k) => objects.get(k),
      delete: (k) => objects.delete(k),
      async put(k, b, t) {
        await objects.put(k, b, t);
        if (k.includes("/manifests/")) throw new Error("socket hang up");
      },
    };
    const saved = await new RunModelStore("test", landsThenFails).saveRun("b", { index: 0, count: 1 }, modelsOf(["a"], 3));
    const loaded = await new RunModelStore("test", objects).loadModels("b");
    expect(loaded.runs).toEqual([saved.run_id]);
    expect(loaded.get("a", "pca")).toEqual(model("a", "pca", 3));
  });

  it("cuts a big shard into several artifacts, and reads them all", async () => {
    const objects = await fresh();
    const store = new RunModelStore("test", objects, 1000);
    const metrics = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const saved = await store.saveRun("b", { index: 0, count: 1 }, modelsOf(metrics));
    expect(saved.artifacts.length).toBeGreaterThan(3);
    const loaded = await store.loadModels("b");
    expect(metrics.every((m) => JSON.stringify(loaded.get(m, "knn")) === JSON.stringify(model(m, "knn")))).toBe(true);
  });

  it("concurrent shards of one run each switch their own manifest; a score reads both", async () => {
    const { objects, store } = await open();
    const metrics = Array.from({ length: 40 }, (_, i) => `metric_${i}`);
    const of = (s: Shard) => metrics.filter((m) => shardOf(m, s.count) === s.index);
    const shards = [0, 1].map((index) => ({ index, count: 2 }));
    await Promise.all(shards.map((s) => store.saveRun("b", s, modelsOf(of(s)))));
    expect((await keys(objects)).filter((k) => k.includes("manifests"))).toEqual(["b/manifests/shard-0-of-2.json", "b/manifests/shard-1-of-2.json"]);
    const all = await store.loadModels("b");
    expect(all.metrics).toBe(40);
    // a sharded score reads only its shard's manifest and artifact
    const one = await store.loadModels("b", shards[1]);
    expect(one.metrics).toBe(of(shards[1]).length);
    expect(one.get(of(shards[1])[0], "pca")).toEqual(model(of(shards[1])[0], "pca"));
  });

  it("when the shard count changes, each metric comes from its newest run, and the old count's runs go once covered", async () => {
    const { objects, store } = await open();
    const metrics = Array.from({ length: 60 }, (_, i) => `m${i}`);
    const of = (s: Shard) => metrics.filter((m) => shardOf(m, s.count) === s.index);
    for (const index of [0, 1]) await store.saveRun("b", { index, count: 2 }, modelsOf(of({ index, count: 2 }), 1));
    // the batch grew: 3 shards now. After shard 0 of 3, its metrics are new, the rest still old.
    await store.saveRun("b", { index: 0, count: 3 }, modelsOf(of({ index: 0, count: 3 }), 2));
    let loaded = await store.loadModels("b");
    for (const m of metrics) expect((loaded.get(m, "pca") as { n_train: number }).n_train, m).toBe(shardOf(m, 3) === 0 ? 2 : 1);
    await store.saveRun("b", { index: 1, count: 3 }, modelsOf(of({ index: 1, count: 3 }), 2));
    // the metrics of shard 2 of 3 still come from their runs of 2 shards
    const stillOld = metrics.filter((m) => shardOf(m, 3) === 2);
    loaded = await store.loadModels("b");
    for (const m of stillOld) expect((loaded.get(m, "pca") as { n_train: number }).n_train).toBe(1);
    await store.saveRun("b", { index: 2, count: 3 }, modelsOf(of({ index: 2, count: 3 }), 2));
    loaded = await store.loadModels("b");
    for (const m of metrics) expect((loaded.get(m, "pca") as { n_train: number }).n_train).toBe(2);
    const left = await keys(objects);
    expect(left.filter((k) => k.includes("manifests"))).toEqual([
      "b/manifests/shard-0-of-3.json",
      "b/manifests/shard-1-of-3.json",
      "b/manifests/shard-2-of-3.json",
    ]);
    expect(left.filter((k) => k.includes("-of-2"))).toEqual([]);
  });

  it("a read that meets an artifact removed by a newer run reads the manifests again", async () => {
    const objects = await fresh();
    const writer = new RunModelStore("test", objects);
    await writer.saveRun("b", { index: 0, count: 1 }, modelsOf(["a"], 1));
    let raced = false;
    const racing: ObjectStore = {
      ...objects,
      describe: (k) => objects.describe(k),
      list: (p) => objects.list(p),
      put: (k, b, t) => objects.put(k, b, t),
      delete: (k) => objects.delete(k),
      // Between this reader's manifest read and its artifact read, a new run switches and cleans up.
      async get(k) {
        if (k.includes("/runs/") && !raced) {
          raced = true;
          await writer.saveRun("b", { index: 0, count: 1 }, modelsOf(["a"], 2));
        }
        return objects.get(k);
      },
    };
    const loaded = await new RunModelStore("test", racing).loadModels("b");
    expect(raced).toBe(true);
    expect(loaded.get("a", "pca")).toEqual(model("a", "pca", 2));
  });

  it("refuses a metric that belongs to another shard, so no run hands out another shard's models", async () => {
    const { store } = await open();
    const wrong = ["a", "b", "c", "d"].find((m) => shardOf(m, 2) === 1)!;
    await expect(store.saveRun("b", { index: 0, count: 2 }, modelsOf([wrong]))).rejects.toThrow(
      `cannot save the models of batch "b" shard 1 of 2: metric "${wrong}" belongs to shard 2 of 2`,
    );
    expect((await store.loadModels("b")).metrics).toBe(0);
  });

  it("names the object when a manifest or an artifact is not what it should be", async () => {
    const { objects, store } = await open();
    const saved = await store.saveRun("b", { index: 0, count: 1 }, modelsOf(["a"]));
    await objects.put(saved.artifacts[0], Buffer.from("not gzip"), "application/gzip");
    expect((await rejection(store.loadModels("b"))).message).toBe(
      `model artifact ${objects.describe(saved.artifacts[0])} is not gzip JSON: incorrect header check; retrain the batch to replace it`,
    );
    await objects.put("b/manifests/shard-0-of-1.json", Buffer.from('{"format": "other"}'), "application/json");
    expect((await rejection(store.loadModels("b"))).message).toBe(
      `model manifest ${objects.describe("b/manifests/shard-0-of-1.json")} is not an anomstack-models-manifest/1 manifest; retrain the batch to replace it`,
    );
  });
}
