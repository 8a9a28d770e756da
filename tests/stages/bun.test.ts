// Windmill runs TypeScript on Bun: the stage scripts and the CLI must work there as they do on Node.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeWorkspace, REPO_DIR } from "../helpers/workspace.ts";

const BUN = path.join(REPO_DIR, "node_modules/.bin/bun");

function bun(args: string[], env: Record<string, string>, cwd = REPO_DIR) {
  const r = spawnSync(BUN, args, { cwd, env: { ...process.env, ANOMSTACK_LOG_LEVEL: "warn", ...env }, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("under Bun", () => {
  it("runs the stage scripts' main functions against a DuckDB file", () => {
    const ws = makeWorkspace();
    fs.cpSync(path.join(REPO_DIR, "metrics/examples"), path.join(ws.metricsDir, "examples"), { recursive: true });
    const script = path.join(ws.dir, "stages.ts");
    fs.writeFileSync(
      script,
      `import { main as ingest } from ${JSON.stringify(path.join(REPO_DIR, "f/anomstack/ingest.ts"))};
       import { main as train } from ${JSON.stringify(path.join(REPO_DIR, "f/anomstack/train.ts"))};
       import { main as score } from ${JSON.stringify(path.join(REPO_DIR, "f/anomstack/score.ts"))};
       import { main as alert } from ${JSON.stringify(path.join(REPO_DIR, "f/anomstack/alert.ts"))};
       const out = [];
       for (let i = 0; i < 30; i++) out.push(await ingest("python_ingest_simple", new Date(Date.UTC(2026, 2, 1, 10, i * 5)).toISOString()));
       out.push(await train("python_ingest_simple", "2026-03-01T12:25:00Z"));
       out.push(await score("python_ingest_simple", "2026-03-01T12:25:00Z"));
       out.push(await alert("python_ingest_simple", "2026-03-01T12:25:00Z"));
       console.log(JSON.stringify({ runtime: typeof Bun === "undefined" ? "node" : "bun", out }));`,
    );
    // the original's detector (PCA + KNN on diff/smooth/lag features), whose warm-up the counts below assume
    const r = bun([script], { ...ws.env, ANOMSTACK__PYTHON_INGEST_SIMPLE__DETECTOR_PRESET: "original" });
    expect(r.code, r.err).toBe(0);
    const { runtime, out } = JSON.parse(r.out.trim().split("\n").at(-1)!);
    expect(runtime).toBe("bun");
    expect(out.slice(0, 30).every((x: { status: string; inserted: number }) => x.status === "ok" && x.inserted === 5)).toBe(true);
    expect(out[30]).toMatchObject({ job: "train", status: "ok", trained: ["metric1", "metric2", "metric3", "metric4", "metric5"] });
    // 30 points, 25 newest eligible, each needing the 8 values before it: points 8..29 = 22 per metric
    expect(out[31]).toMatchObject({ job: "score", status: "ok", scored: 110 });
    expect(out[32]).toMatchObject({ job: "alert", status: "ok" });
  });

  it("runs a whole generated pipeline flow against a DuckDB file", () => {
    const ws = makeWorkspace();
    fs.cpSync(path.join(REPO_DIR, "metrics/examples"), path.join(ws.metricsDir, "examples"), { recursive: true });
    ws.env.ANOMSTACK__PYTHON_INGEST_SIMPLE__DETECTOR_PRESET = "original"; // the step counts below assume its warm-up
    const mock = path.join(ws.dir, "wmill-mock.json");
    fs.writeFileSync(mock, JSON.stringify({ resources: { "f/anomstack/settings": { env: ws.env } }, variables: {} }));
    const script = path.join(ws.dir, "pipeline.ts");
    const imp = (rel: string) => JSON.stringify(path.join(REPO_DIR, rel));
    fs.writeFileSync(
      script,
      `import { plan } from ${imp("scripts/generate/main.ts")};
       import { parseFlowYaml, runFlow } from ${imp("scripts/flow-runner/runner.ts")};
       import { backfillJob } from ${imp("f/anomstack/jobs/backfill.ts")};
       import { withJobContext } from ${imp("f/anomstack/stages/run-stage.ts")};
       const now = "2026-03-01T12:00:00Z";
       const p = plan({ root: ${JSON.stringify(REPO_DIR)}, metricsDir: ${JSON.stringify(ws.metricsDir)}, env: {}, flowsOnly: true });
       const flow = (job) => parseFlowYaml(p.files.get("f/anomstack/batches/python_ingest_simple/" + job + ".flow/flow.yaml"));
       await withJobContext("python_ingest_simple", { env: ${JSON.stringify(ws.env)}, now: new Date(Date.parse(now) - 1000) }, (ctx) => backfillJob(ctx, { periods: 40 }));
       await runFlow(flow("train"), { root: ${JSON.stringify(REPO_DIR)}, args: { now } });
       const steps = [];
       const last = await runFlow(flow("pipeline"), { root: ${JSON.stringify(REPO_DIR)}, args: { now }, onStep: (e) => steps.push(e.id + ":" + e.status + ":" + (e.result?.scored ?? e.result?.inserted ?? "")) });
       console.log(JSON.stringify({ runtime: typeof Bun === "undefined" ? "node" : "bun", steps, last }));`,
    );
    const r = bun([script], { ...ws.env, WM_MOCKED_API_FILE: mock, WM_WORKSPACE: "test" }, ws.dir);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out.trim().split("\n").at(-1)!);
    expect(out.runtime).toBe("bun");
    // 40 backfilled points were never scored: score takes the newest score_max_n = 25 of each of 5 metrics
    expect(out.steps).toEqual([
      "ingest:ok:5",
      "tholdalert:ok:",
      "score_plan:ok:",
      "score_shard:ok:125",
      "score:ok:",
      "alert:ok:",
      "change:ok:",
      "deliver:ok:",
      "plot:ok:",
    ]);
    // the last step draws the plots: a Windmill rich result, a heading and one PNG per metric
    expect(out.last.render_all).toHaveLength(6);
  });

  it("on a worker without the metrics folder, loads batches, SQL and ingest functions from the generated bundle", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-worker-"));
    const script = path.join(dir, "job.ts");
    fs.writeFileSync(
      script,
      `import { main as ingest } from ${JSON.stringify(path.join(REPO_DIR, "f/anomstack/ingest.ts"))};
       import { main as change } from ${JSON.stringify(path.join(REPO_DIR, "f/anomstack/change.ts"))};
       const a = await ingest("python_ingest_simple", "2026-03-01T12:00:00Z");
       const b = await ingest("example_simple", "2026-03-01T12:00:00Z");
       const c = await change("python_ingest_simple", "2026-03-01T12:00:00Z");
       console.log(JSON.stringify({ a, b, c }));`,
    );
    // No ANOMSTACK_METRICS_DIR and no ./metrics in the working directory: like a Windmill worker.
    const env = { ANOMSTACK_DUCKDB_PATH: path.join(dir, "w.duckdb"), ANOMSTACK_MODEL_PATH: `local://${path.join(dir, "models")}` };
    const r = spawnSync(BUN, [script], { cwd: dir, env: { PATH: process.env.PATH ?? "", HOME: dir, ...env }, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const { a, b, c } = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(a).toMatchObject({ status: "ok", batch: "python_ingest_simple", rows: 5, inserted: 5 });
    expect(b).toMatchObject({ status: "ok", batch: "example_simple", rows: 2, inserted: 2 });
    expect(c).toMatchObject({ status: "ok", job: "change" });
  });

  it("runs the CLI demo end to end", () => {
    const ws = makeWorkspace();
    fs.cpSync(path.join(REPO_DIR, "metrics/examples"), path.join(ws.metricsDir, "examples"), { recursive: true });
    const r = bun([path.join(REPO_DIR, "scripts/cli/main.ts"), "demo", "--periods", "100", "--now", "2026-03-01T12:00:00Z"], ws.env, ws.dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("python_ingest_simple: latest scores");
    expect(r.out).toContain("python_ingest_simple score: 5 point(s) scored");
  });
});
