// Windmill's workers run Bun: the train and score stage scripts keep their models in S3 and GCS there as
// under Node (the real @aws-sdk/client-s3 and @google-cloud/storage, against the local stand-ins).
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { makeWorkspace, REPO_DIR } from "../helpers/workspace.ts";
import { startGcsStandIn, type GcsStandIn } from "./helpers/gcs-stand-in.ts";
import { startS3StandIn, type S3StandIn } from "./helpers/s3-stand-in.ts";

// Bun processes on a loaded 2-core machine: minutes, not seconds.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const BUN = path.join(REPO_DIR, "node_modules/.bin/bun");
const EMAIL = "anomstack@test-project.iam.gserviceaccount.com";
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
let s3: S3StandIn;
let gcs: GcsStandIn;

beforeAll(async () => {
  s3 = await startS3StandIn({ bucket: "bun-models", accessKeyId: "AKIABUN", secretAccessKey: "bun-secret" });
  gcs = await startGcsStandIn({ bucket: "bun-models", publicKey: keys.publicKey, clientEmail: EMAIL });
});
afterAll(async () => {
  await s3?.close();
  await gcs?.close();
});

/** Run a script under Bun without blocking this process (the stand-ins answer from here). */
function bun(script: string, env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(BUN, [script], { cwd: REPO_DIR, env: { ...process.env, ANOMSTACK_LOG_LEVEL: "warn", ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill(), 120_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

function stages(): { script: string; env: Record<string, string> } {
  const ws = makeWorkspace();
  fs.cpSync(path.join(REPO_DIR, "metrics/examples/python_ingest_simple"), path.join(ws.metricsDir, "python_ingest_simple"), { recursive: true });
  const script = path.join(ws.dir, "stages.ts");
  const f = (name: string) => JSON.stringify(path.join(REPO_DIR, `f/anomstack/${name}.ts`));
  fs.writeFileSync(
    script,
    `import { main as ingest } from ${f("ingest")};
     import { main as train } from ${f("train")};
     import { main as score } from ${f("score")};
     for (let i = 0; i < 40; i++) await ingest("python_ingest_simple", new Date(Date.UTC(2026, 2, 1, 9, i * 5)).toISOString());
     const trained = await train("python_ingest_simple", "2026-03-01T12:20:00Z");
     const scored = await score("python_ingest_simple", "2026-03-01T12:20:00Z");
     console.log(JSON.stringify({ runtime: typeof Bun === "undefined" ? "node" : "bun", trained, scored }));`,
  );
  return { script, env: ws.env };
}

describe("remote model stores under Bun", () => {
  it("s3://: train saves one run, score reads it", async () => {
    const { script, env } = stages();
    const from = s3.requests.length;
    const r = await bun(script, {
      ...env,
      ANOMSTACK_MODEL_PATH: "s3://bun-models/models",
      ANOMSTACK_AWS_ACCESS_KEY_ID: "AKIABUN",
      ANOMSTACK_AWS_SECRET_ACCESS_KEY: "bun-secret",
      ANOMSTACK_S3_ENDPOINT: s3.endpoint,
    });
    expect(r.code, r.err).toBe(0);
    const { runtime, trained, scored } = JSON.parse(r.out.trim().split("\n").at(-1)!);
    expect(runtime).toBe("bun");
    expect(trained).toMatchObject({ status: "ok", trained: ["metric1", "metric2", "metric3", "metric4", "metric5"] });
    expect(scored).toMatchObject({ status: "ok", no_model: [] });
    expect(scored.scored).toBeGreaterThan(0);
    expect(s3.requests.slice(from).map((q) => q.method)).toEqual(["GET", "PUT", "PUT", "GET", "GET", "GET"]);
  });

  it("gs://: train saves one run, score reads it", async () => {
    const { script, env } = stages();
    const from = gcs.requests.length;
    const key = {
      type: "service_account",
      project_id: "test-project",
      private_key: keys.privateKey.export({ type: "pkcs8", format: "pem" }),
      client_email: EMAIL,
      universe_domain: "anomstack.test",
    };
    const r = await bun(script, {
      ...env,
      ANOMSTACK_MODEL_PATH: "gs://bun-models/models",
      ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON: JSON.stringify(key),
      ANOMSTACK_GCS_ENDPOINT: gcs.endpoint,
    });
    expect(r.code, r.err).toBe(0);
    const { runtime, trained, scored } = JSON.parse(r.out.trim().split("\n").at(-1)!);
    expect(runtime).toBe("bun");
    expect(trained).toMatchObject({ status: "ok", trained: ["metric1", "metric2", "metric3", "metric4", "metric5"] });
    expect(scored).toMatchObject({ status: "ok", no_model: [] });
    expect(gcs.requests.slice(from).map((q) => q.method)).toEqual(["GET", "POST", "POST", "GET", "GET", "GET"]);
  });
});
