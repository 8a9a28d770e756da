// The model store on gs:// through the real @google-cloud/storage, against a local GCS JSON API stand-in
// that verifies the service account's signed bearer token: the store's contract, the exact requests of
// a training run and a score, the service account from the original's variables, and clear errors.
//
// The key is of a test universe ("anomstack.test"): there the library signs its own bearer JWT with the
// key (what the stand-in verifies). On googleapis.com it first trades that JWT for a token at Google's
// OAuth endpoint, whose address the library fixes, so that one exchange is not run here.
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gcsClientOptions, openGcsObjects } from "../../f/anomstack/store/model-objects-gcs.ts";
import { openModelStore, RunModelStore } from "../../f/anomstack/store/model-store.ts";
import { StoreError } from "../../f/anomstack/store/metrics-store.ts";
import { model, modelsOf, modelStoreContract } from "./model-store-contract.ts";
import { startGcsStandIn, type GcsStandIn } from "./helpers/gcs-stand-in.ts";
import { tempDir } from "./helpers.ts";

const BUCKET = "anomstack-test";
const EMAIL = "anomstack@test-project.iam.gserviceaccount.com";
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const KEY_JSON = JSON.stringify({
  type: "service_account",
  project_id: "test-project",
  private_key_id: "k1",
  private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
  client_email: EMAIL,
  client_id: "1",
  token_uri: "https://oauth2.googleapis.com/token",
  universe_domain: "anomstack.test",
});
let gcs: GcsStandIn;
let env: Record<string, string>;

beforeAll(async () => {
  gcs = await startGcsStandIn({ bucket: BUCKET, publicKey, clientEmail: EMAIL });
  env = { ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON: KEY_JSON, ANOMSTACK_GCS_ENDPOINT: gcs.endpoint };
});
afterAll(async () => {
  await gcs?.close();
});

let prefixes = 0;
const freshPrefix = () => `t${++prefixes}/models`;

describe("gs model store: the contract", () => {
  modelStoreContract(() => openGcsObjects(BUCKET, freshPrefix(), env));
});

/** The requests since `from`, as "METHOD path name". */
function since(from: number): string[] {
  return gcs.requests
    .slice(from)
    .map((r) => `${r.method} ${r.path}${r.query.prefix !== undefined ? `?prefix=${r.query.prefix}` : ""} ${r.name}`.trim());
}

describe("gs model store: the requests", () => {
  it("a training run is a list, one upload per artifact and one for the manifest; the next also deletes the old artifact", async () => {
    const prefix = freshPrefix();
    const store = openModelStore(`gs://${BUCKET}/${prefix}`, "b.model_path", env);
    const from = gcs.requests.length;
    const first = await store.saveRun("sales", { index: 0, count: 1 }, modelsOf(["每日活跃用户", "x".repeat(300)]));
    const o = `/storage/v1/b/${BUCKET}/o`;
    const upload = `/upload/storage/v1/b/${BUCKET}/o`;
    expect(since(from)).toEqual([
      `GET ${o}?prefix=${prefix}/sales/`,
      `POST ${upload} ${prefix}/${first.artifacts[0]}`,
      `POST ${upload} ${prefix}/sales/manifests/shard-0-of-1.json`,
    ]);
    const [, putArtifact, putManifest] = gcs.requests.slice(from);
    for (const r of gcs.requests.slice(from)) {
      expect(r.headers["user-agent"]).toMatch(/^gcloud-node-storage\//);
      expect(r.claims).toMatchObject({
        iss: EMAIL,
        sub: EMAIL,
        scope: expect.stringContaining("https://www.googleapis.com/auth/devstorage.full_control"),
      });
    }
    // one request per object (no resumable session), the type in the metadata, the bytes as given
    expect(putArtifact.query.uploadType).toBe("multipart");
    expect(gcs.objects.get(`${prefix}/${first.artifacts[0]}`)?.contentType).toBe("application/gzip");
    expect(putArtifact.bytes).toBe(first.bytes);
    expect(gcs.objects.get(`${prefix}/sales/manifests/shard-0-of-1.json`)?.contentType).toBe("application/json");
    expect(putManifest.bytes).toBeGreaterThan(0);

    const next = gcs.requests.length;
    const second = await store.saveRun("sales", { index: 0, count: 1 }, modelsOf(["每日活跃用户"], 2));
    expect(since(next)).toEqual([
      `GET ${o}?prefix=${prefix}/sales/`,
      `POST ${upload} ${prefix}/${second.artifacts[0]}`,
      `POST ${upload} ${prefix}/sales/manifests/shard-0-of-1.json`,
      `DELETE ${o}/${prefix}/${first.artifacts[0]} ${prefix}/${first.artifacts[0]}`,
    ]);

    const read = gcs.requests.length;
    const loaded = await store.loadModels("sales");
    expect(since(read)).toEqual([
      `GET ${o}?prefix=${prefix}/sales/manifests/`,
      `GET ${o}/${prefix}/sales/manifests/shard-0-of-1.json ${prefix}/sales/manifests/shard-0-of-1.json`,
      `GET ${o}/${prefix}/${second.artifacts[0]} ${prefix}/${second.artifacts[0]}`,
    ]);
    expect(gcs.requests.slice(read + 1).every((r) => r.query.alt === "media")).toBe(true);
    expect(loaded.get("每日活跃用户", "knn")).toEqual(model("每日活跃用户", "knn", 2));
    expect(loaded.get("x".repeat(300), "pca")).toBeUndefined();
  });

  it("1,000 metrics in 2 shards: 6 requests to train the first time, 8 the next, 3 per shard to score", async () => {
    const prefix = freshPrefix();
    const store = openModelStore(`gs://${BUCKET}/${prefix}`, "b.model_path", env);
    const metrics = Array.from({ length: 1000 }, (_, i) => `metric_${i}`);
    const { shardOf } = await import("../../f/anomstack/core/shard.ts");
    const shards = [0, 1].map((index) => ({ index, count: 2 }));
    const train = async (n: number) => {
      const from = gcs.requests.length;
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
      return gcs.requests.slice(from).map((r) => r.method);
    };
    expect((await train(1)).sort()).toEqual(["GET", "GET", "POST", "POST", "POST", "POST"]);
    expect((await train(2)).sort()).toEqual(["DELETE", "DELETE", "GET", "GET", "POST", "POST", "POST", "POST"]);
    for (const s of shards) {
      const from = gcs.requests.length;
      expect((await store.loadModels("big", s)).metrics).toBe(metrics.filter((m) => shardOf(m, 2) === s.index).length);
      expect(gcs.requests.length - from).toBe(3);
    }
  });

  it("an upload refused midway leaves the previous run readable and removes what the failed run wrote", async () => {
    const prefix = freshPrefix();
    const store = new RunModelStore("gs", openGcsObjects(BUCKET, prefix, env));
    await store.saveRun("b", { index: 0, count: 1 }, modelsOf(["a"], 1));
    gcs.fail = (r) => (r.method === "POST" && r.query.name?.includes("/manifests/") ? 403 : undefined);
    try {
      const err = await store.saveRun("b", { index: 0, count: 1 }, modelsOf(["a"], 2)).catch((e: Error) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toMatch(
        new RegExp(`^cannot save the models of batch "b" to gs://${BUCKET}/${prefix}/b/runs/shard-0-of-1/: injected fault`),
      );
    } finally {
      gcs.fail = undefined;
    }
    expect((await store.loadModels("b")).get("a", "pca")).toEqual(model("a", "pca", 1));
    expect([...gcs.objects.keys()].filter((k) => k.startsWith(`${prefix}/`))).toHaveLength(2);
  });

  it("lists past a page", async () => {
    const objects = openGcsObjects(BUCKET, freshPrefix(), env);
    gcs.pageSize = 2;
    try {
      for (const k of ["a", "b", "c", "d", "e"]) await objects.put(`x/${k}`, Buffer.from(k), "text/plain");
      const from = gcs.requests.length;
      expect((await objects.list("x/")).map((o) => o.key)).toEqual(["x/a", "x/b", "x/c", "x/d", "x/e"]);
      expect(gcs.requests.length - from).toBe(3);
    } finally {
      gcs.pageSize = 1000;
    }
  });

  it("a hanging server costs at most ANOMSTACK_MODEL_STORE_TIMEOUT_SECONDS per attempt, then an error naming the object", async () => {
    const store = openModelStore(`gs://${BUCKET}/${freshPrefix()}`, "b.model_path", { ...env, ANOMSTACK_MODEL_STORE_TIMEOUT_SECONDS: "0.5" });
    gcs.hang = () => true;
    try {
      const from = gcs.requests.length;
      const err = await store.loadModels("b").catch((e: Error) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).toMatch(/^cannot list the models of batch "b" in gs:\/\/anomstack-test\/t\d+\/models\/b\/manifests\/: /);
      expect((err as Error).message).toMatch(/network timeout/);
      expect(gcs.requests.length - from).toBe(3); // 3 attempts, as S3
    } finally {
      gcs.hang = undefined;
    }
  });

  it("a key file named by ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS works too; another account's key is refused by the server", async () => {
    const file = path.join(tempDir(), "key.json");
    fs.writeFileSync(file, KEY_JSON);
    const prefix = freshPrefix();
    const byFile = openModelStore(`gs://${BUCKET}/${prefix}`, "b.model_path", {
      ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS: file,
      ANOMSTACK_GCS_ENDPOINT: gcs.endpoint,
      ANOMSTACK_GCP_PROJECT_ID: "test-project",
    });
    await byFile.saveRun("b", { index: 0, count: 1 }, modelsOf(["a"]));
    expect((await byFile.loadModels("b")).get("a", "pca")).toEqual(model("a", "pca"));

    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" });
    const wrong = openModelStore(`gs://${BUCKET}/${prefix}`, "b.model_path", {
      ...env,
      ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON: JSON.stringify({ ...JSON.parse(KEY_JSON), private_key: other }),
    });
    const err = await wrong.loadModels("b").catch((e: Error) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(
      /^cannot list the models of batch "b" in gs:\/\/anomstack-test\/t\d+\/models\/b\/manifests\/: Invalid Credentials \(bad signature\)/,
    );
  });
});

describe("gcs client settings", () => {
  it("inline JSON first (its project and universe), else a key file, else Google's default credentials", () => {
    expect(
      gcsClientOptions({ ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON: KEY_JSON, ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS: "/k.json" }),
    ).toMatchObject({
      credentials: { client_email: EMAIL },
      projectId: "test-project",
      universeDomain: "anomstack.test",
    });
    const byFile = gcsClientOptions({ ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS: "/k.json", ANOMSTACK_GCP_PROJECT_ID: "p" });
    expect(byFile).toMatchObject({ keyFilename: "/k.json", projectId: "p" });
    expect(byFile.credentials).toBeUndefined();
    const none = gcsClientOptions({});
    expect(none.credentials).toBeUndefined();
    expect(none.keyFilename).toBeUndefined();
    expect(none.timeout).toBe(120_000);
  });

  it("says what is wrong with an inline key", () => {
    expect(() => gcsClientOptions({ ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON: "{nope" })).toThrow(
      /^gs model store: ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON is not valid JSON: /,
    );
    expect(() => gcsClientOptions({ ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON: '{"type": "authorized_user"}' })).toThrow(
      "gs model store: ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON is not a service account key (client_email, private_key)",
    );
  });
});
