// The model store on s3:// through the real @aws-sdk/client-s3, against a local S3 stand-in that checks
// each request's SigV4 signature: the store's contract, the exact requests of a training run and a
// score, credentials from the original's variables or the usual AWS ones, and clear errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openS3Objects, s3ClientConfig } from "../../f/anomstack/store/model-objects-s3.ts";
import { openModelStore, RunModelStore } from "../../f/anomstack/store/model-store.ts";
import { StoreError } from "../../f/anomstack/store/metrics-store.ts";
import { failingPuts, model, modelsOf, modelStoreContract } from "./model-store-contract.ts";
import { startS3StandIn, type S3StandIn } from "./helpers/s3-stand-in.ts";

const BUCKET = "anomstack-test";
let s3: S3StandIn;
let env: Record<string, string>;

beforeAll(async () => {
  s3 = await startS3StandIn({ bucket: BUCKET, accessKeyId: "AKIATESTKEY", secretAccessKey: "test-secret", region: "eu-west-1" });
  env = {
    ANOMSTACK_AWS_ACCESS_KEY_ID: "AKIATESTKEY",
    ANOMSTACK_AWS_SECRET_ACCESS_KEY: "test-secret",
    ANOMSTACK_AWS_REGION: "eu-west-1",
    ANOMSTACK_S3_ENDPOINT: s3.endpoint,
  };
});
afterAll(async () => {
  await s3?.close();
});

let prefixes = 0;
/** A fresh prefix of the stand-in's bucket per test. */
const freshPrefix = () => `t${++prefixes}/models`;

describe("s3 model store: the contract", () => {
  modelStoreContract(() => openS3Objects(BUCKET, freshPrefix(), env));
});

/** The requests since `from`, as "METHOD key [list prefix]". */
function since(from: number): string[] {
  return s3.requests
    .slice(from)
    .map((r) => (r.key ? `${r.method} ${r.key}` : `${r.method} ?list-type=${r.query["list-type"]}&prefix=${r.query.prefix}`));
}

describe("s3 model store: the requests", () => {
  it("a training run is a LIST, one PUT per artifact and one for the manifest; the next also DELETEs the old artifact", async () => {
    const prefix = freshPrefix();
    const store = openModelStore(`s3://${BUCKET}/${prefix}/`, "b.model_path", env);
    expect(store.location).toBe(`s3://${BUCKET}/${prefix}`);
    const from = s3.requests.length;
    const first = await store.saveRun("sales", { index: 0, count: 1 }, modelsOf(["每日活跃用户", "x".repeat(300)]));
    expect(since(from)).toEqual([
      `GET ?list-type=2&prefix=${prefix}/sales/`,
      `PUT ${prefix}/${first.artifacts[0]}`,
      `PUT ${prefix}/sales/manifests/shard-0-of-1.json`,
    ]);
    const [list, putArtifact, putManifest] = s3.requests.slice(from);
    // path-style on the custom endpoint, signed with the configured key for the configured region
    for (const r of [list, putArtifact, putManifest]) {
      expect(r.bucket).toBe(BUCKET);
      expect(r.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIATESTKEY\/\d{8}\/eu-west-1\/s3\/aws4_request, /);
      expect(r.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
    }
    expect(putArtifact.headers["content-type"]).toBe("application/gzip");
    expect(putArtifact.headers["content-encoding"]).toBeUndefined(); // stored as gzip bytes, never decoded on the way
    expect(putArtifact.bytes).toBe(first.bytes);
    expect(putManifest.headers["content-type"]).toBe("application/json");

    const next = s3.requests.length;
    const second = await store.saveRun("sales", { index: 0, count: 1 }, modelsOf(["每日活跃用户"], 2));
    expect(since(next)).toEqual([
      `GET ?list-type=2&prefix=${prefix}/sales/`,
      `PUT ${prefix}/${second.artifacts[0]}`,
      `PUT ${prefix}/sales/manifests/shard-0-of-1.json`,
      `DELETE ${prefix}/${first.artifacts[0]}`,
    ]);

    const read = s3.requests.length;
    const loaded = await store.loadModels("sales");
    expect(since(read)).toEqual([
      `GET ?list-type=2&prefix=${prefix}/sales/manifests/`,
      `GET ${prefix}/sales/manifests/shard-0-of-1.json`,
      `GET ${prefix}/${second.artifacts[0]}`,
    ]);
    expect(loaded.get("每日活跃用户", "pca")).toEqual(model("每日活跃用户", "pca", 2));
    expect(loaded.get("x".repeat(300), "pca")).toBeUndefined(); // gone from the second run
  });

  it("1,000 metrics in 2 shards: 6 requests to train the first time, 8 the next, 3 per shard to score", async () => {
    const prefix = freshPrefix();
    const store = openModelStore(`s3://${BUCKET}/${prefix}`, "b.model_path", env);
    const metrics = Array.from({ length: 1000 }, (_, i) => `metric_${i}`);
    const { shardOf } = await import("../../f/anomstack/core/shard.ts");
    const shards = [0, 1].map((index) => ({ index, count: 2 }));
    const train = async (n: number) => {
      const from = s3.requests.length;
      await Promise.all(
        shards.map((s) =>
          store.saveRun(
            "big",
            s,
            modelsOf(
              metrics.filter((m) => shardOf(m, 2) === s.index),
              n,
            ),
          ),
        ),
      );
      return s3.requests.slice(from);
    };
    const first = await train(1);
    expect(first.map((r) => r.method).sort()).toEqual(["GET", "GET", "PUT", "PUT", "PUT", "PUT"]);
    const again = await train(2);
    expect(again.map((r) => r.method).sort()).toEqual(["DELETE", "DELETE", "GET", "GET", "PUT", "PUT", "PUT", "PUT"]);
    for (const s of shards) {
      const from = s3.requests.length;
      const loaded = await store.loadModels("big", s);
      expect(s3.requests.length - from).toBe(3);
      expect(loaded.metrics).toBe(metrics.filter((m) => shardOf(m, 2) === s.index).length);
    }
  });

  it("a PUT refused midway (403) leaves the previous run readable and removes what the failed run wrote", async () => {
    const prefix = freshPrefix();
    const store = new RunModelStore("s3", openS3Objects(BUCKET, prefix, env));
    await store.saveRun("b", { index: 0, count: 1 }, modelsOf(["a"], 1));
    s3.fail = (r) => (r.method === "PUT" && r.key.includes("/manifests/") ? { status: 403, code: "AccessDenied" } : undefined);
    try {
      const err = await store.saveRun("b", { index: 0, count: 1 }, modelsOf(["a"], 2)).catch((e: Error) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toMatch(new RegExp(`^cannot save the models of batch "b" to s3://${BUCKET}/${prefix}/b/runs/shard-0-of-1/: `));
    } finally {
      s3.fail = undefined;
    }
    expect((await store.loadModels("b")).get("a", "pca")).toEqual(model("a", "pca", 1));
    expect([...s3.objects.keys()].filter((k) => k.startsWith(`${prefix}/`))).toHaveLength(2); // the old manifest and artifact only
    // and a failing artifact PUT, through the same wrapper the contract uses
    const broken = new RunModelStore("s3", failingPuts(openS3Objects(BUCKET, prefix, env), 1));
    await expect(broken.saveRun("b", { index: 0, count: 1 }, modelsOf(["a"], 3))).rejects.toThrow(StoreError);
    expect((await store.loadModels("b")).get("a", "pca")).toEqual(model("a", "pca", 1));
  });

  it("lists past S3's page size", async () => {
    const prefix = freshPrefix();
    const objects = openS3Objects(BUCKET, prefix, env);
    s3.pageSize = 2;
    try {
      for (const k of ["a", "b", "c", "d", "e"]) await objects.put(`x/${k}`, Buffer.from(k), "text/plain");
      const from = s3.requests.length;
      expect((await objects.list("x/")).map((o) => o.key)).toEqual(["x/a", "x/b", "x/c", "x/d", "x/e"]);
      expect(s3.requests.length - from).toBe(3);
      expect(s3.requests.at(-1)?.query["continuation-token"]).toBeTruthy();
    } finally {
      s3.pageSize = 1000;
    }
  });

  it("a hanging server costs at most ANOMSTACK_MODEL_STORE_TIMEOUT_SECONDS per attempt, then an error naming the object", async () => {
    const store = openModelStore(`s3://${BUCKET}/${freshPrefix()}`, "b.model_path", { ...env, ANOMSTACK_MODEL_STORE_TIMEOUT_SECONDS: "0.5" });
    s3.hang = () => true;
    try {
      const from = s3.requests.length;
      const err = await store.loadModels("b").catch((e: Error) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toMatch(
        /^cannot list the models of batch "b" in s3:\/\/anomstack-test\/t\d+\/models\/b\/manifests\/: .*(timeout|timed out)/i,
      );
      expect(s3.requests.length - from).toBe(3); // the SDK's 3 attempts
    } finally {
      s3.hang = undefined;
    }
  });

  it("a wrong secret key is refused by the server, and the error says which object and why", async () => {
    const store = openModelStore(`s3://${BUCKET}/${freshPrefix()}`, "b.model_path", { ...env, ANOMSTACK_AWS_SECRET_ACCESS_KEY: "wrong" });
    const err = await store.loadModels("b").catch((e: Error) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(
      /^cannot list the models of batch "b" in s3:\/\/anomstack-test\/t\d+\/models\/b\/manifests\/: signature does not match/,
    );
  });
});

describe("s3 client settings", () => {
  it("takes the original's ANOMSTACK_AWS_* keys first, else the usual AWS_* ones, else the SDK's default chain", () => {
    expect(
      s3ClientConfig({ ANOMSTACK_AWS_ACCESS_KEY_ID: "A", ANOMSTACK_AWS_SECRET_ACCESS_KEY: "S", AWS_ACCESS_KEY_ID: "X", AWS_SECRET_ACCESS_KEY: "Y" }),
    ).toMatchObject({
      credentials: { accessKeyId: "A", secretAccessKey: "S" },
      region: "us-east-1",
      forcePathStyle: false,
    });
    expect(s3ClientConfig({ AWS_ACCESS_KEY_ID: "X", AWS_SECRET_ACCESS_KEY: "Y", AWS_SESSION_TOKEN: "T", AWS_REGION: "eu-north-1" })).toMatchObject({
      credentials: { accessKeyId: "X", secretAccessKey: "Y", sessionToken: "T" },
      region: "eu-north-1",
    });
    expect(s3ClientConfig({}).credentials).toBeUndefined();
  });

  it("a custom endpoint means path-style and only the checksums a request requires, unless told otherwise", () => {
    expect(s3ClientConfig({ ANOMSTACK_S3_ENDPOINT: "http://minio:9000" })).toMatchObject({
      endpoint: "http://minio:9000",
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
    expect(
      s3ClientConfig({ ANOMSTACK_S3_ENDPOINT: "https://x.r2.cloudflarestorage.com", ANOMSTACK_S3_FORCE_PATH_STYLE: "false" }).forcePathStyle,
    ).toBe(false);
  });

  it("half a key pair is an error naming the missing variable", () => {
    expect(() => s3ClientConfig({ ANOMSTACK_AWS_ACCESS_KEY_ID: "A" })).toThrow(
      "s3 model store: ANOMSTACK_AWS_ACCESS_KEY_ID is set but not ANOMSTACK_AWS_SECRET_ACCESS_KEY (both are needed)",
    );
  });
});
