// The model store in a local folder (local://DIR): the contract every store keeps, the folder layout,
// the old one-file-per-metric layout read until a retrain replaces it, and clear errors for bad paths.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { shardOf } from "../../f/anomstack/core/shard.ts";
import { FolderObjectStore } from "../../f/anomstack/store/model-objects.ts";
import { legacyModelPath, openModelStore, RunModelStore, safePathSegment } from "../../f/anomstack/store/model-store.ts";
import { StoreError } from "../../f/anomstack/store/metrics-store.ts";
import { HOSTILE_NAMES, model, modelsOf, modelStoreContract } from "./model-store-contract.ts";
import { re, tempDir } from "./helpers.ts";

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("safePathSegment", () => {
  it("keeps letters, digits, '.', '-', '_' and percent-encodes every other UTF-8 byte", () => {
    expect(safePathSegment("cpu_user-1.5")).toBe("cpu_user-1.5");
    expect(safePathSegment("cpu/user")).toBe("cpu%2Fuser");
    expect(safePathSegment("my metric")).toBe("my%20metric");
    expect(safePathSegment("a%b")).toBe("a%25b"); // '%' itself is encoded, so encoded names cannot collide
    expect(safePathSegment("C:\\x")).toBe("C%3A%5Cx");
    // é is U+00E9 = UTF-8 C3 A9.
    expect(safePathSegment("température")).toBe("temp%C3%A9rature");
    // € is U+20AC = UTF-8 E2 82 AC.
    expect(safePathSegment("€")).toBe("%E2%82%AC");
  });

  it("encodes characters outside the BMP as their 4 UTF-8 bytes, so two emoji never share a file", () => {
    // 🔥 U+1F525 = F0 9F 94 A5; 🚀 U+1F680 = F0 9F 9A 80.
    expect(safePathSegment("temp 🔥")).toBe("temp%20%F0%9F%94%A5");
    expect(safePathSegment("temp 🚀")).toBe("temp%20%F0%9F%9A%80");
  });

  it("encodes a leading dot, so no name is hidden or means . or ..", () => {
    expect(safePathSegment(".hidden")).toBe("%2Ehidden");
    expect(safePathSegment(".")).toBe("%2E");
    expect(safePathSegment("..")).toBe("%2E.");
    expect(safePathSegment("../etc/passwd")).toBe("%2E.%2Fetc%2Fpasswd");
    expect(safePathSegment("a.b.")).toBe("a.b."); // only the leading one
  });

  it("names the old layout's files <batch>/<metric>_<tag>.json", () => {
    expect(legacyModelPath("my batch", "cpu/user", "pca_default")).toBe("my%20batch/cpu%2Fuser_pca_default.json");
  });
});

describe("local model store: the contract", () => {
  modelStoreContract(() => new FolderObjectStore(tempDir()));
});

describe("local model store", () => {
  it("lays a run out as <dir>/<batch>/manifests/shard-I-of-N.json naming <batch>/runs/shard-I-of-N/<run>.<k>.json.gz", async () => {
    const dir = tempDir();
    const store = openModelStore(`local://${dir}/models`);
    expect(store.location).toBe(path.join(dir, "models"));
    const names = HOSTILE_NAMES.filter((m) => shardOf(m, 2) === 1);
    expect(names.length).toBeGreaterThan(1);
    const saved = await store.saveRun("b", { index: 1, count: 2 }, modelsOf(names));
    expect(saved.run_id).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{8}$/);
    expect(filesUnder(path.join(dir, "models"))).toEqual(["b/manifests/shard-1-of-2.json", `b/runs/shard-1-of-2/${saved.run_id}.0.json.gz`]);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "models", "b", "manifests", "shard-1-of-2.json"), "utf8"));
    expect(manifest).toEqual({
      format: "anomstack-models-manifest/1",
      batch: "b",
      shard: 1,
      shard_count: 2,
      run_id: saved.run_id,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      metrics: names.length,
      artifacts: [{ key: `runs/shard-1-of-2/${saved.run_id}.0.json.gz`, metrics: names.length, bytes: saved.bytes }],
    });
  });

  it("resolves a relative folder against the working directory and accepts an upper-case scheme", () => {
    expect(openModelStore("local://./models").location).toBe(path.resolve("models"));
    expect(openModelStore("LOCAL://rel/dir").location).toBe(path.resolve("rel/dir"));
  });

  it("still reads the old layout (one file per metric and tag) until a run covers the metric, then removes it", async () => {
    const dir = tempDir();
    const write = (metric: string, tag: string, body: unknown) => {
      const file = path.join(dir, legacyModelPath("b", metric, tag));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(body));
    };
    for (const m of ["x".repeat(300), "cpu", "mem"]) write(m, "pca", model(m, "pca", 9));
    const store = openModelStore(`local://${dir}`);
    let loaded = await store.loadModels("b");
    expect(loaded.legacy).toBe(true);
    expect(loaded.get("x".repeat(300), "pca")).toEqual(model("x".repeat(300), "pca", 9));
    expect(loaded.get("cpu", "knn")).toBeUndefined();
    // shard 0 of 2 trained ("mem" is in it): its metrics come from the run, the others still from their old files
    expect([shardOf("mem", 2), shardOf("cpu", 2), shardOf("x".repeat(300), 2)]).toEqual([0, 1, 1]);
    await store.saveRun("b", { index: 0, count: 2 }, modelsOf(["mem"], 5));
    loaded = await store.loadModels("b");
    expect(loaded.get("mem", "pca")).toEqual(model("mem", "pca", 5));
    expect(loaded.get("cpu", "pca")).toEqual(model("cpu", "pca", 9));
    expect(filesUnder(dir).filter((f) => /^b\/[^/]*\.json$/.test(f))).toHaveLength(3);
    // every shard trained (the long name's metric is gone): the old files go
    await store.saveRun("b", { index: 1, count: 2 }, modelsOf(["cpu"], 5));
    expect(filesUnder(dir).filter((f) => /^b\/[^/]*\.json$/.test(f))).toEqual([]);
    loaded = await store.loadModels("b");
    expect(loaded.legacy).toBe(false);
    expect(loaded.get("cpu", "pca")).toEqual(model("cpu", "pca", 5));
    expect(loaded.get("x".repeat(300), "pca")).toBeUndefined();
  });

  it("a metric that keeps its models (it did not train this time) keeps those of its old file too", async () => {
    const dir = tempDir();
    const file = path.join(dir, legacyModelPath("b", "cpu", "pca"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(model("cpu", "pca", 9)));
    const store = openModelStore(`local://${dir}`);
    const saved = await store.saveRun("b", { index: 0, count: 1 }, modelsOf(["mem"]), { keep: ["cpu"], tags: ["pca", "knn"] });
    expect(saved.metrics).toBe(2);
    expect(fs.existsSync(file)).toBe(false);
    const loaded = await store.loadModels("b");
    expect(loaded.legacy).toBe(false);
    expect(loaded.modelsOf("cpu")).toEqual({ pca: model("cpu", "pca", 9) });
  });

  it("throws a StoreError naming the old file when it is not valid JSON", async () => {
    const dir = tempDir();
    const file = path.join(dir, "b", "cpu_pca.json");
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, '{"mean": [1, 2');
    const loaded = await openModelStore(`local://${dir}`).loadModels("b");
    const err = thrown(() => loaded.get("cpu", "pca"));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(new RegExp(`^model ${re(file)} is not valid JSON: `));
  });

  it("throws a StoreError naming the folder when a run cannot be saved, and leaves no temporary file", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "blocked"), ""); // a file where the batch folder should be
    const err = await rejection(openModelStore(`local://${dir}`).saveRun("blocked", { index: 0, count: 1 }, modelsOf(["a"])));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(new RegExp(`^cannot (list|save) the models of batch "blocked" (in|to) ${re(path.join(dir, "blocked"))}`));
    expect(filesUnder(dir)).toEqual(["blocked"]);
  });

  it("leaves unreferenced artifacts of a run that may still be writing, and removes ones older than an hour", async () => {
    const dir = tempDir();
    const objects = new FolderObjectStore(dir);
    const store = new RunModelStore(dir, objects);
    const first = await store.saveRun("b", { index: 0, count: 1 }, modelsOf(["a"]));
    // a crashed run's artifact (2 h old) and one of a run writing right now (1 s old)
    const crashed = "b/runs/shard-0-of-1/20200101T000000000Z-00000000.0.json.gz";
    const writing = "b/runs/shard-0-of-1/29990101T000000000Z-11111111.0.json.gz";
    for (const [key, age] of [
      [crashed, 7_200_000],
      [writing, 1000],
    ] as const) {
      await objects.put(key, Buffer.from("x"), "application/gzip");
      const t = new Date(Date.now() - age);
      fs.utimesSync(objects.describe(key), t, t);
    }
    // the first run (manifest and artifact) is older than both: for them, only the hour decides
    const t = new Date(Date.now() - 10_000_000);
    fs.utimesSync(objects.describe(first.artifacts[0]), t, t);
    fs.utimesSync(path.join(dir, "b", "manifests", "shard-0-of-1.json"), t, t);
    const second = await store.saveRun("b", { index: 0, count: 1 }, modelsOf(["a"]));
    expect(filesUnder(dir)).toEqual(["b/manifests/shard-0-of-1.json", writing, ...second.artifacts].sort());
    expect(filesUnder(dir)).not.toContain(first.artifacts[0]);
  });
});

describe("openModelStore paths", () => {
  it("opens s3:// and gs:// without touching the network (the SDK loads on first use)", () => {
    expect(openModelStore("s3://bucket/models/").location).toBe("s3://bucket/models");
    expect(openModelStore("gs://my-bucket").location).toBe("gs://my-bucket");
  });

  it("refuses unknown schemes, bad buckets, paths that are not scheme://..., and local:// without a folder", () => {
    const forms = "local://DIR, s3://BUCKET/PREFIX, gs://BUCKET/PREFIX";
    expect(thrown(() => openModelStore("ftp://x", "sales.model_path")).message).toBe(
      `sales.model_path: scheme "ftp://" is not supported (supported: ${forms}); got "ftp://x"`,
    );
    for (const p of ["./models", "/abs/models", "local:/x", "local:x", "", "://x"]) {
      const err = thrown(() => openModelStore(p));
      expect(err).toBeInstanceOf(StoreError);
      expect(err.message).toBe(`model_path: "${p}" must look like one of ${forms}`);
    }
    expect(thrown(() => openModelStore("local://", "b.model_path")).message).toBe('b.model_path: "local://" names no folder');
    expect(thrown(() => openModelStore("s3:///models")).message).toBe('model_path: "s3:///models" names no bucket (s3://BUCKET/PREFIX)');
    expect(thrown(() => openModelStore("gs://My_Bucket/x")).message).toBe(
      `model_path: "gs://My_Bucket/x": "My_Bucket" is not a valid bucket name (lower-case letters, digits, '.', '-'; 3 characters or more)`,
    );
  });
});
