// The generated train and score flows of a sharded batch with its models in s3:// (the S3 stand-in):
// 1,000 metrics with shard_size 500 are 2 for-loop iterations running in parallel; each shard writes its
// own run and manifest (none overwrites the other's), score reads its shard in one go, and a training
// run of the whole batch costs a handful of requests, not one per metric.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backfillJob } from "../../f/anomstack/jobs/backfill.ts";
import { scoreJob } from "../../f/anomstack/jobs/score.ts";
import { trainJob } from "../../f/anomstack/jobs/train.ts";
import { withJobContext } from "../../f/anomstack/stages/run-stage.ts";
import { memoryLogger } from "../../f/anomstack/core/log.ts";
import { plan } from "../../scripts/generate/main.ts";
import { parseFlowYaml, runFlow } from "../../scripts/flow-runner/runner.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { closeJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { makeWorkspace, noise, REPO_DIR, seriesRows, storedRows, type Workspace } from "../helpers/workspace.ts";
import { startS3StandIn, type S3StandIn } from "./helpers/s3-stand-in.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const STEP = 600_000;
/** The bucket s3_example_simple names (its model_path is s3://anomstack-example/models). */
const BUCKET = "anomstack-example";
const METRICS = Array.from({ length: 1000 }, (_, i) => `metric_${i}`);
let ws: Workspace;
let s3: S3StandIn;
let settings: { env: Record<string, string> };

beforeAll(async () => {
  s3 = await startS3StandIn({ bucket: BUCKET, accessKeyId: "AKIAFLOWS", secretAccessKey: "flows-secret" });
  ws = makeWorkspace();
  ws.writeBatch("wide", "ingest_sql: select 1\nshard_size: 500\n");
  settings = {
    env: {
      ...ws.env,
      ANOMSTACK_MODEL_PATH: `s3://${BUCKET}/models`,
      ANOMSTACK_AWS_ACCESS_KEY_ID: "AKIAFLOWS",
      ANOMSTACK_AWS_SECRET_ACCESS_KEY: "flows-secret",
      ANOMSTACK_S3_ENDPOINT: s3.endpoint,
      ANOMSTACK_LOG_LEVEL: "warn",
    },
  };
  const ctx = await ws.open("wide", NOW);
  await ctx.store.append(METRICS.flatMap((m, i) => seriesRows("wide", m, noise(60, i + 1), NOW, STEP)));
  await closeJobContext(ctx);
});
afterAll(async () => {
  await s3?.close();
  await closeAllDuckdbInstances();
});

function flowOf(job: string) {
  const p = plan({ root: REPO_DIR, metricsDir: ws.metricsDir, env: {}, flowsOnly: true });
  return parseFlowYaml(p.files.get(`f/anomstack/batches/wide/${job}.flow/flow.yaml`)!);
}

/** Run a generated flow; the S3 requests it made, as "METHOD key-or-list". */
async function requestsOf(job: string, now: Date): Promise<{ result: unknown; requests: string[] }> {
  const from = s3.requests.length;
  const result = await runFlow(flowOf(job), { root: REPO_DIR, args: { now: now.toISOString(), settings } });
  const requests = s3.requests
    .slice(from)
    .map((r) => `${r.method} ${r.key.replace(/\/runs\/(shard-\d-of-\d)\/[^/]+$/, "/runs/$1/<run>.0.json.gz") || `list ${r.query.prefix}`}`);
  return { result, requests: requests.sort() };
}

describe("sharded flows with models in S3", () => {
  it("train: 2 shards, 6 requests in all the first time (a list, an artifact, a manifest each), 8 the next (and the old artifact deleted)", async () => {
    const { result, requests } = await requestsOf("train", NOW);
    const shards = result as { trained: string[]; skipped: unknown[] }[];
    expect(shards).toHaveLength(2);
    expect(shards.flatMap((s) => s.trained).sort()).toEqual([...METRICS].sort());
    expect(requests).toEqual([
      "GET list models/wide/",
      "GET list models/wide/",
      "PUT models/wide/manifests/shard-0-of-2.json",
      "PUT models/wide/manifests/shard-1-of-2.json",
      "PUT models/wide/runs/shard-0-of-2/<run>.0.json.gz",
      "PUT models/wide/runs/shard-1-of-2/<run>.0.json.gz",
    ]);
    const again = await requestsOf("train", NOW);
    expect(again.requests).toEqual([
      "DELETE models/wide/runs/shard-0-of-2/<run>.0.json.gz",
      "DELETE models/wide/runs/shard-1-of-2/<run>.0.json.gz",
      ...requests,
    ]);
    expect([...s3.objects.keys()].filter((k) => k.startsWith("models/wide/"))).toHaveLength(4);
  });

  it("score: each shard reads its manifest and its artifact (3 requests), and every metric is scored", async () => {
    const { result, requests } = await requestsOf("score", NOW);
    expect(requests).toEqual([
      "GET list models/wide/manifests/",
      "GET list models/wide/manifests/",
      "GET models/wide/manifests/shard-0-of-2.json",
      "GET models/wide/manifests/shard-1-of-2.json",
      "GET models/wide/runs/shard-0-of-2/<run>.0.json.gz",
      "GET models/wide/runs/shard-1-of-2/<run>.0.json.gz",
    ]);
    const shards = result as { metrics: number; no_model: string[] }[];
    expect(shards.reduce((n, s) => n + s.metrics, 0)).toBe(1000);
    expect(shards.flatMap((s) => s.no_model)).toEqual([]);
    const ctx = await ws.open("wide", NOW);
    expect(new Set((await storedRows(ctx, "score")).map((r) => r.metric_name)).size).toBe(1000);
    await closeJobContext(ctx);
  });

  it("s3_example_simple runs as configured: ingest, train and score with its models in its s3:// bucket", async () => {
    fs.cpSync(path.join(REPO_DIR, "metrics/examples/s3_example_simple"), path.join(ws.metricsDir, "s3_example_simple"), { recursive: true });
    const { ANOMSTACK_MODEL_PATH: _global, ...rest } = settings.env;
    const env = { ...rest, ANOMSTACK__S3_EXAMPLE_SIMPLE__DISABLE_BATCH: "false" };
    const run = <T>(fn: Parameters<typeof withJobContext<T>>[2]) =>
      withJobContext("s3_example_simple", { env, now: NOW.toISOString(), log: memoryLogger() }, fn);
    await run((ctx) => backfillJob(ctx, { periods: 40 }));
    const from = s3.requests.length;
    expect(await run((ctx) => trainJob(ctx))).toMatchObject({ trained: ["metric_1", "metric_2", "metric_3"], failed: [] });
    expect(await run((ctx) => scoreJob(ctx))).toMatchObject({ metrics: 3, no_model: [], failed: [] });
    expect(s3.requests.length - from).toBe(6); // train: LIST, PUT, PUT; score: LIST, GET, GET
    expect([...s3.objects.keys()].filter((k) => k.startsWith("models/s3_example_simple/manifests/"))).toEqual([
      "models/s3_example_simple/manifests/shard-0-of-1.json",
    ]);
  });
});
