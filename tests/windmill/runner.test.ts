// The generated flows run in-process: stage scripts called with windmill-client in mock mode for the
// settings resource, sharded train, retries of transient errors only, timeouts, the failure handler.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { plan } from "../../scripts/generate/main.ts";
import { FlowError, parseFlowYaml, runFlow } from "../../scripts/flow-runner/runner.ts";
import { backfillJob } from "../../f/anomstack/jobs/backfill.ts";
import { withJobContext } from "../../f/anomstack/stages/run-stage.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb-store.ts";
import { memoryLogger } from "../../f/anomstack/core/log.ts";
import { makeWorkspace, REPO_DIR, storedRows, type Workspace } from "../helpers/workspace.ts";

let ws: Workspace;
let settings: Record<string, unknown>;
const NOW = new Date("2026-03-01T12:00:00Z");

beforeAll(() => {
  ws = makeWorkspace();
  fs.cpSync(path.join(REPO_DIR, "metrics/examples"), path.join(ws.metricsDir, "examples"), { recursive: true });
  ws.writeFile("broken/ingest.ts", 'export function ingest() { throw new Error("API down"); }\n');
  ws.writeBatch("broken", "ingest_fn: ingest.ts\n");
  ws.writeFile("baddata/ingest.ts", 'export const ingest = () => [{ metric_name: "m" }];\n');
  ws.writeBatch("baddata", "ingest_fn: ingest.ts\n");
  ws.writeFile("slow/ingest.ts", "export const ingest = () => new Promise((r) => setTimeout(() => r([]), 3000));\n");
  ws.writeBatch("slow", "ingest_fn: ingest.ts\njob_timeout_seconds: 1\njob_retries: 0\n");
  settings = { env: { ...ws.env, ANOMSTACK_LOG_LEVEL: "warn" } };
  const mock = path.join(ws.dir, "wmill-mock.json");
  fs.writeFileSync(mock, JSON.stringify({ resources: { "f/anomstack/settings": settings }, variables: {} }));
  process.env.WM_MOCKED_API_FILE = mock;
  process.env.WM_WORKSPACE = "test";
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

function flowOf(batch: string, job: string) {
  const p = plan({ root: REPO_DIR, metricsDir: ws.metricsDir, env: {}, flowsOnly: true });
  const text = p.files.get(`f/anomstack/batches/${batch}/${job}.flow/flow.yaml`);
  if (!text) throw new Error(`no ${job} flow for ${batch}`);
  return parseFlowYaml(text);
}

describe("generated flows, run locally", () => {
  it("train and the pipeline of a batch run end to end, the settings resource coming from windmill-client's mock", async () => {
    await withJobContext("python_ingest_simple", { env: ws.env, now: new Date(NOW.getTime() - 1000), log: memoryLogger() }, (ctx) =>
      backfillJob(ctx, { periods: 40 }),
    );
    const trained = await runFlow(flowOf("python_ingest_simple", "train"), { root: REPO_DIR, args: { now: NOW.toISOString() } });
    expect(trained).toEqual([
      expect.objectContaining({ job: "train", status: "ok", trained: ["metric1", "metric2", "metric3", "metric4", "metric5"] }),
    ]);
    const steps: string[] = [];
    await runFlow(flowOf("python_ingest_simple", "pipeline"), {
      root: REPO_DIR,
      args: { now: NOW.toISOString() },
      onStep: (e) => steps.push(`${e.id}:${e.status}`),
    });
    expect(steps).toEqual(["ingest:ok", "tholdalert:ok", "score_plan:ok", "score_shard:ok", "score:ok", "alert:ok", "change:ok", "plot:ok"]);
    const ctx = await ws.open("python_ingest_simple", NOW);
    const scores = await storedRows(ctx, "score");
    expect(scores.filter((s) => s.metric_timestamp.getTime() === NOW.getTime()).map((s) => s.metric_name)).toEqual([
      "metric1",
      "metric2",
      "metric3",
      "metric4",
      "metric5",
    ]);
  });

  it("splits train into shards of shard_size metrics, each metric trained by exactly one shard", async () => {
    const sharded = { env: { ...(settings.env as object), ANOMSTACK__PYTHON_INGEST_SIMPLE__SHARD_SIZE: "2" } };
    const result = (await runFlow(flowOf("python_ingest_simple", "train"), {
      root: REPO_DIR,
      args: { now: NOW.toISOString(), settings: sharded },
    })) as { trained: string[] }[];
    expect(result).toHaveLength(3);
    expect(result.flatMap((r) => r.trained).sort()).toEqual(["metric1", "metric2", "metric3", "metric4", "metric5"]);
    expect(result.every((r) => r.trained.length <= 2)).toBe(true);
  });

  it("retries a transient failure, then calls the failure handler with the batch, job and error", async () => {
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      said.push(String(chunk));
      return true;
    });
    const events: string[] = [];
    const err = (await runFlow(flowOf("broken", "ingest"), {
      root: REPO_DIR,
      args: { now: NOW.toISOString() },
      onStep: (e) => events.push(`${e.id}:${e.status}`),
    }).catch((e: FlowError) => e)) as FlowError;
    spy.mockRestore();
    expect(err).toBeInstanceOf(FlowError);
    expect(err.stepId).toBe("ingest");
    expect(err.original.message).toBe("broken ingest: ingest_fn ingest.ts threw: API down");
    expect(events).toEqual(["ingest:retry", "ingest:retry", "ingest:failed"]);
    expect(said.join("")).toContain("❌ [broken] ingest failed: broken ingest: ingest_fn ingest.ts threw: API down");
  });

  it("does not retry what a retry cannot fix (bad ingested data)", async () => {
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const events: string[] = [];
    const err = (await runFlow(flowOf("baddata", "ingest"), { root: REPO_DIR, onStep: (e) => events.push(`${e.id}:${e.status}`) }).catch(
      (e: FlowError) => e,
    )) as FlowError;
    spy.mockRestore();
    expect(err.original.name).toBe("DataError");
    expect(events).toEqual(["ingest:failed"]);
  });

  it("stops a step at job_timeout_seconds", async () => {
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const err = (await runFlow(flowOf("slow", "ingest"), { root: REPO_DIR }).catch((e: FlowError) => e)) as FlowError;
    spy.mockRestore();
    expect(err.original.message).toBe("step ingest timed out after 1 s");
  });
});
