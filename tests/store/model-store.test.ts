// The model store: JSON files under local://DIR, safe file names, and clear errors for bad paths and files.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { modelRelativePath, openModelStore, safePathSegment } from "../../f/anomstack/store/model-store.ts";
import { StoreError } from "../../f/anomstack/store/metrics-store.ts";
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

  it("builds <batch>/<metric>_<tag>.json", () => {
    expect(modelRelativePath("my batch", "cpu/user", "pca_default")).toBe("my%20batch/cpu%2Fuser_pca_default.json");
  });
});

describe("local model store", () => {
  it("saves and loads a model as <dir>/<batch>/<metric>_<tag>.json", async () => {
    const dir = tempDir();
    const store = openModelStore(`local://${dir}/models`);
    expect(store.location).toBe(path.join(dir, "models"));
    const model = { kind: "PCA", mean: [1.5, -2], components: [[0.6, 0.8]], n: 3, note: "ünï ✓" };
    await store.save("b", "cpu/user", "pca_default", model);
    await store.save("b", "mem", "knn_default", [1, 2, 3]);
    await store.save("other", ".hidden", "pca_default", null);
    expect(filesUnder(path.join(dir, "models"))).toEqual([
      "b/cpu%2Fuser_pca_default.json",
      "b/mem_knn_default.json",
      "other/%2Ehidden_pca_default.json",
    ]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "models", "b", "cpu%2Fuser_pca_default.json"), "utf8"))).toEqual(model);
    expect(await store.load("b", "cpu/user", "pca_default")).toEqual(model);
    expect(await store.load("b", "mem", "knn_default")).toEqual([1, 2, 3]);
    expect(await store.load("other", ".hidden", "pca_default")).toBeNull();
  });

  it("resolves a relative folder against the working directory and accepts an upper-case scheme", () => {
    expect(openModelStore("local://./models").location).toBe(path.resolve("models"));
    expect(openModelStore("LOCAL://rel/dir").location).toBe(path.resolve("rel/dir"));
  });

  it("overwrites an older model and leaves no temporary file behind", async () => {
    const dir = tempDir();
    const store = openModelStore(`local://${dir}`);
    await store.save("b", "cpu", "pca", { version: 1 });
    await store.save("b", "cpu", "pca", { version: 2 });
    expect(await store.load("b", "cpu", "pca")).toEqual({ version: 2 });
    expect(filesUnder(dir)).toEqual(["b/cpu_pca.json"]);
  });

  it("returns undefined for a model that was never saved (missing file or missing batch folder)", async () => {
    const dir = tempDir();
    const store = openModelStore(`local://${dir}`);
    expect(await store.load("nobatch", "cpu", "pca")).toBeUndefined();
    await store.save("b", "cpu", "pca", { a: 1 });
    expect(await store.load("b", "cpu", "knn")).toBeUndefined();
    expect(await store.load("b", "cpu_pca", "")).toBeUndefined();
  });

  it("throws a StoreError naming the file when a model is not valid JSON", async () => {
    const dir = tempDir();
    const store = openModelStore(`local://${dir}`);
    const file = path.join(dir, "b", "cpu_pca.json");
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, '{"mean": [1, 2');
    const err = await rejection(store.load("b", "cpu", "pca"));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(new RegExp(`^model ${re(file)} is not valid JSON: `));
  });

  it("throws a StoreError naming the file when it cannot be read", async () => {
    const dir = tempDir();
    const store = openModelStore(`local://${dir}`);
    const file = path.join(dir, "b", "cpu_pca.json");
    fs.mkdirSync(file, { recursive: true }); // a folder where the model file should be
    const err = await rejection(store.load("b", "cpu", "pca"));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(new RegExp(`^cannot read model ${re(file)}: EISDIR`));
  });

  it("throws a StoreError naming the file when it cannot be saved, leaving no temporary file", async () => {
    const dir = tempDir();
    const store = openModelStore(`local://${dir}`);
    // The write succeeds but the rename cannot replace a folder.
    const file = path.join(dir, "b", "cpu_pca.json");
    fs.mkdirSync(path.join(file, "inside"), { recursive: true });
    const err = await rejection(store.save("b", "cpu", "pca", { a: 1 }));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(new RegExp(`^cannot save model ${re(file)}: E(ISDIR|NOTEMPTY|EXIST)`));
    expect(fs.readdirSync(path.join(dir, "b"))).toEqual(["cpu_pca.json"]);
    expect(fs.statSync(file).isDirectory()).toBe(true);

    // The batch folder cannot be created: a regular file is in the way.
    fs.writeFileSync(path.join(dir, "blocked"), "");
    const err2 = await rejection(store.save("blocked", "cpu", "pca", { a: 1 }));
    expect(err2).toBeInstanceOf(StoreError);
    expect(err2.message).toMatch(new RegExp(`^cannot save model ${re(path.join(dir, "blocked", "cpu_pca.json"))}: E(EXIST|NOTDIR)`));
  });
});

describe("openModelStore path errors", () => {
  it("refuses remote schemes with the supported one named", () => {
    for (const [p, scheme] of [
      ["gs://b/p", "gs"],
      ["s3://b/p", "s3"],
      ["ftp://x", "ftp"],
    ]) {
      const err = thrown(() => openModelStore(p));
      expect(err).toBeInstanceOf(StoreError);
      expect(err.message).toBe(`model_path: scheme "${scheme}://" is not supported yet (supported: local://DIR); got "${p}"`);
    }
    expect(thrown(() => openModelStore("s3://bucket/models", "sales.model_path")).message).toBe(
      'sales.model_path: scheme "s3://" is not supported yet (supported: local://DIR); got "s3://bucket/models"',
    );
  });

  it("refuses paths that are not scheme://..., and local:// without a folder", () => {
    for (const p of ["./models", "/abs/models", "local:/x", "local:x", "", "://x"]) {
      const err = thrown(() => openModelStore(p));
      expect(err).toBeInstanceOf(StoreError);
      expect(err.message).toBe(`model_path: "${p}" must look like local://DIR`);
    }
    const err = thrown(() => openModelStore("local://", "b.model_path"));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toBe('b.model_path: "local://" names no folder');
  });
});
