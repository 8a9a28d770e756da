// Worker mode: every script step in its own Bun process in an empty job folder, relative imports
// fetched from a stand-in of the server, a cleared environment (scripts/flow-runner/worker.ts; facts
// §1.5, §1.6, §3, §6 of /work/notes/windmill-facts.md). First what a worker does differently from a
// local run, then generated flows end to end against a real DuckDB file.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse as parseYaml } from "yaml";
import { plan } from "../../scripts/generate/main.ts";
import { FlowError, inProcessRunner, parseFlowYaml, runFlow, type FlowModule, type OpenFlow } from "../../scripts/flow-runner/runner.ts";
import { startWorker, type Worker } from "../../scripts/flow-runner/worker.ts";
import { backfillJob } from "../../f/anomstack/jobs/backfill.ts";
import { withJobContext } from "../../f/anomstack/stages/run-stage.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { memoryLogger } from "../../f/anomstack/core/log.ts";
import { makeWorkspace, REPO_DIR, storedRows, type Workspace } from "../helpers/workspace.ts";

// Each step is a Bun process: on a loaded 2-core machine a whole pipeline takes minutes, not seconds.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const js = (expr: string) => ({ type: "javascript", expr });
const step = (id: string, script: string, inputs: Record<string, unknown> = {}): FlowModule => ({
  id,
  value: { type: "script", path: script, input_transforms: inputs },
});
const flowOf = (modules: FlowModule[]): OpenFlow => ({ summary: "t", value: { modules } });

describe("a step in worker mode", () => {
  let root: string;
  let worker: Worker;
  const SECRET = "ANOMSTACK_WORKER_TEST_SECRET";
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-wm-"));
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    };
    write(
      "f/t/where.ts",
      `import fs from "node:fs";
       export async function main(tag: string) {
         return { runtime: typeof Bun === "undefined" ? "node" : "bun", cwd: process.cwd(), files: fs.readdirSync(".").sort(),
                  env: Object.keys(process.env).sort(), wm: { job: process.env.WM_JOB_ID, flow: process.env.WM_FLOW_JOB_ID,
                  root: process.env.WM_ROOT_FLOW_JOB_ID, step: process.env.WM_FLOW_STEP_ID }, tag };
       }\n`,
    );
    write(
      "f/t/lib/util.ts",
      'import { parse } from "yaml";\nexport const answer = () => parse("x: 42").x as number;\nexport const meta = import.meta.url;\n',
    );
    write("f/t/uses_lib.ts", 'import { answer, meta } from "./lib/util.ts";\nexport async function main() { return { answer: answer(), meta }; }\n');
    write("f/t/data.txt", "next to the script\n");
    write(
      "f/t/reads_sibling.ts",
      'import fs from "node:fs";\nexport async function main() { return fs.readFileSync(new URL("./data.txt", import.meta.url), "utf8"); }\n',
    );
    write("f/t/cfg.json", '{ "a": 1 }\n');
    write("f/t/imports_json.ts", 'import cfg from "./cfg.json";\nexport async function main() { return cfg; }\n');
    write(
      "f/t/reads_cwd.ts",
      'import fs from "node:fs";\nexport async function main() { return fs.readFileSync("f/anomstack/README.md", "utf8").slice(0, 20); }\n',
    );
    write(
      "f/t/args.ts",
      `export async function main(a = "default of a", b = "default of b", settings?: unknown) {
         return { a, b, settings, a_is_null: a === null, undef: { x: undefined }, when: new Date(Date.UTC(2026, 2, 1)) };
       }\n`,
    );
    write("f/t/throws.ts", 'export async function main() { throw Object.assign(new RangeError("too far"), { code: 7 }); }\n');
    write("f/t/tests/hidden.ts", "export async function main() { return 1; }\n");
    // a file the job must not see: this process's own environment
    process.env[SECRET] = "leaked";
    worker = await startWorker({ root, envs: { CONFIGURED_BY_WORKER_GROUP: "yes" } });
    // node_modules of the repository, as `bun install` would provide them in the job folder
    fs.symlinkSync(path.join(REPO_DIR, "node_modules"), path.join(root, "node_modules"), "dir");
  });
  afterAll(async () => {
    delete process.env[SECRET];
    await worker?.close();
  });
  const run = (flow: OpenFlow, args: Record<string, unknown> = {}) =>
    runFlow(flow, {
      root,
      args,
      runScript: worker.runScript,
      resolveResource: async (p) => ({ from: p, token: "$var:u/admin/tok" }),
      resolveVariable: async () => "secret-value",
    });

  it("runs in Bun, in a fresh folder holding only the job's files, with a cleared environment and the WM_* variables", async () => {
    const out = (await run(flowOf([step("where", "f/t/where", { tag: js('"x"') })]))) as Record<string, any>;
    expect(out.runtime).toBe("bun");
    const job = worker.jobs.at(-1)!;
    expect(out.cwd).toBe(job.dir);
    expect(path.basename(out.cwd)).toBe(out.wm.job);
    expect(out.files).toEqual(["args.json", "loader.bun.js", "main.ts", "node_modules", "wrapper.mjs"]);
    expect(out.env).not.toContain(SECRET);
    expect(out.env).toEqual(
      [
        "BASE_URL",
        "BUN_RUNTIME_TRANSPILER_CACHE_PATH",
        "CONFIGURED_BY_WORKER_GROUP",
        "DO_NOT_TRACK",
        "FORCE_COLOR",
        "HOME",
        "PATH",
        ...(process.env.TZ ? ["TZ"] : []),
        "WM_BASE_URL",
        "WM_EMAIL",
        "WM_FLOW_JOB_ID",
        "WM_FLOW_STEP_ID",
        "WM_JOB_ID",
        "WM_JOB_PATH",
        "WM_PERMISSIONED_AS",
        "WM_ROOT_FLOW_JOB_ID",
        "WM_TOKEN",
        "WM_USERNAME",
        "WM_WORKER_GROUP",
        "WM_WORKSPACE",
      ].sort(),
    );
    expect(out.wm.step).toBe("where");
    expect(out.wm.root).toBe(out.wm.flow);
    // the job folder is removed afterwards, as on the worker
    expect(fs.existsSync(job.dir)).toBe(false);
  });

  it("inside a parallel loop, each iteration's sub-flow is the steps' flow and root job", async () => {
    const loop: FlowModule = {
      id: "l",
      value: {
        type: "forloopflow",
        iterator: js("[1, 2]"),
        parallel: true,
        skip_failures: false,
        modules: [step("where", "f/t/where", { tag: js("String(flow_input.iter.value)") })],
      },
    };
    const top = step("top", "f/t/where", { tag: js('"top"') });
    const out = (await run(flowOf([top, loop]))) as Record<string, any>[];
    const iterations = out.map((o) => o.wm);
    expect(iterations[0].flow).not.toBe(iterations[1].flow);
    for (const w of iterations) expect(w.root).toBe(w.flow);
  });

  it("fetches relative .ts imports from the workspace over HTTP, with the job's token, on every run", async () => {
    const before = worker.server.requests.length;
    const out = (await run(flowOf([step("u", "f/t/uses_lib")]))) as { answer: number; meta: string };
    expect(out.answer).toBe(42);
    const job = worker.jobs.at(-1)!;
    // the module's import.meta points into the job folder, at the .url file the import became
    expect(out.meta).toBe(`file://${job.dir}/f/t/lib/util.ts.url`);
    expect(worker.server.requests.slice(before)).toEqual([{ path: "/api/w/anomstack-test/scripts/raw_unpinned/p/f/t/lib/util.ts", status: 200 }]);
    await run(flowOf([step("u", "f/t/uses_lib")]));
    expect(worker.server.requests.length - before).toBe(2);
  });

  it("fails where a worker fails: a file beside the script, a non-.ts relative import, the repository as working directory", async () => {
    for (const script of ["f/t/reads_sibling", "f/t/imports_json", "f/t/reads_cwd"]) {
      // in this process each of them works ...
      await expect(runFlow(flowOf([step("s", script)]), { root }), script).resolves.toBeTruthy();
      // ... on a worker none does
      const err = (await run(flowOf([step("s", script)])).catch((e: FlowError) => e)) as FlowError;
      expect(err, script).toBeInstanceOf(FlowError);
      expect(err.original.message, script).toMatch(/ENOENT|Cannot find module|Could not resolve|not found/i);
    }
  });

  it("does not serve what is not deployed (tests), so importing it fails like on the server", async () => {
    const res = await fetch(`${worker.server.url}/api/w/anomstack-test/scripts/raw_unpinned/p/f/t/tests/hidden.ts`, {
      headers: { Authorization: "Bearer nope" },
    });
    expect(res.status).toBe(401);
    const err = (await run(flowOf([step("h", "f/t/tests/hidden")])).catch((e: FlowError) => e)) as FlowError;
    expect(err.original.message).toBe("script not found at path f/t/tests/hidden");
  });

  it("calls main like the Bun wrapper: absent key → TS default, null stays null, $res: resolved into args.json, result as JSON", async () => {
    const out = await run(flowOf([step("a", "f/t/args", { a: js("flow_input.missing"), settings: js("flow_input.settings") })]), {
      settings: "$res:f/anomstack/settings",
    });
    expect(out).toEqual({
      a: null,
      b: "default of b",
      a_is_null: true,
      settings: { from: "f/anomstack/settings", token: "secret-value" },
      undef: { x: null },
      when: "2026-03-01T00:00:00.000Z",
    });
    // the same in this process
    const local = await runFlow(flowOf([step("a", "f/t/args", { a: js("flow_input.missing") })]), { root, runScript: inProcessRunner(root) });
    expect(local).toMatchObject({ a: null, b: "default of b", undef: { x: null } });
  });

  it("stores a throw as {message, name, stack, step_id, extra} and the flow fails with it", async () => {
    const err = (await run(flowOf([step("boom", "f/t/throws")])).catch((e: FlowError) => e)) as FlowError;
    expect(err.stepId).toBe("boom");
    expect(err.original).toMatchObject({ name: "RangeError", message: "too far" });
    expect(err.result).toEqual({
      error: { message: "too far", name: "RangeError", stack: expect.stringContaining("too far"), step_id: "boom", extra: { code: 7 } },
    });
  });
});

describe("generated flows in worker mode, against a DuckDB file", () => {
  let ws: Workspace;
  let worker: Worker;
  let settings: Record<string, unknown>;
  const NOW = new Date("2026-03-01T12:00:00Z");
  const generated = () => plan({ root: REPO_DIR, env: {}, flowsOnly: true });
  const flow = (batch: string, job: string) => parseFlowYaml(generated().files.get(`f/anomstack/batches/${batch}/${job}.flow/flow.yaml`)!);

  beforeAll(async () => {
    ws = makeWorkspace();
    fs.cpSync(path.join(REPO_DIR, "metrics/examples"), path.join(ws.metricsDir, "examples"), { recursive: true });
    await withJobContext("python_ingest_simple", { env: ws.env, now: new Date(NOW.getTime() - 1000), log: memoryLogger() }, (ctx) =>
      backfillJob(ctx, { periods: 40 }),
    );
    await closeAllDuckdbInstances(); // the file is the workers' now
    // The settings resource of the deployment: no metrics folder (the worker loads the generated bundle).
    settings = { env: { ANOMSTACK_DUCKDB_PATH: ws.duckdbPath, ANOMSTACK_MODEL_PATH: `local://${ws.modelsDir}` } };
    worker = await startWorker({ root: REPO_DIR, envs: { ANOMSTACK_LOG_LEVEL: "warn" } });
  });
  afterAll(async () => {
    await worker?.close();
    await closeAllDuckdbInstances();
  });
  const resolveResource = async (p: string) => {
    if (p !== "f/anomstack/settings") throw new Error(`no resource ${p}`);
    return settings;
  };

  it("train, then the pipeline (ingest → threshold alerts → score shards → alert → change → deliver → plot), each step its own Bun process", async () => {
    const args = { now: NOW.toISOString(), settings: "$res:f/anomstack/settings" };
    const trained = await runFlow(flow("python_ingest_simple", "train"), { root: REPO_DIR, args, runScript: worker.runScript, resolveResource });
    expect(trained).toEqual([
      expect.objectContaining({ job: "train", status: "ok", trained: ["metric1", "metric2", "metric3", "metric4", "metric5"] }),
    ]);
    const steps: string[] = [];
    const before = worker.jobs.length;
    const last = (await runFlow(flow("python_ingest_simple", "pipeline"), {
      root: REPO_DIR,
      args,
      runScript: worker.runScript,
      resolveResource,
      onStep: (e) => steps.push(`${e.id}:${e.status}`),
    })) as { render_all: unknown[] };
    expect(steps).toEqual([
      "ingest:ok",
      "tholdalert:ok",
      "score_plan:ok",
      "score_shard:ok",
      "score:ok",
      "alert:ok",
      "change:ok",
      "deliver:ok",
      "plot:ok",
    ]);
    expect(last.render_all.length).toBeGreaterThan(1);
    // one process per script step, none of which left a database or model file in its own folder
    const jobs = worker.jobs.slice(before);
    expect(jobs.map((j) => j.stepId)).toEqual(["ingest", "tholdalert", "score_plan", "score_shard", "alert", "change", "deliver", "plot"]);
    expect(jobs.every((j) => j.exitCode === 0)).toBe(true);
    expect(
      jobs
        .flatMap((j) => j.files)
        .filter((f) => !f.startsWith("f/") && !["args.json", "loader.bun.js", "main.ts", "wrapper.mjs", "result.json"].includes(f)),
    ).toEqual([]);
    // what the workers wrote is in the deployment's DuckDB file and model folder
    const ctx = await ws.open("python_ingest_simple", NOW);
    const scores = await storedRows(ctx, "score");
    expect(scores.filter((s) => s.metric_timestamp.getTime() === NOW.getTime()).map((s) => s.metric_name)).toEqual([
      "metric1",
      "metric2",
      "metric3",
      "metric4",
      "metric5",
    ]);
    await closeAllDuckdbInstances();
    expect(fs.readdirSync(ws.modelsDir, { recursive: true }).length).toBeGreaterThan(0);
  });

  // Facts §3: a schedule's args reach the flow verbatim, and the generated schedules have `args: {}`, so
  // flow_input.settings is undefined, every step gets `settings: null`, and DuckDB opens
  // ./data/anomstack.duckdb inside the throw-away job folder. To pass, the generator must make the
  // settings reach the steps without the caller: schedule args `settings: "$res:f/anomstack/settings"`,
  // or an input transform `flow_input.settings ?? "$res:f/anomstack/settings"` (scripts/generate/flows.ts).
  it("a scheduled ingest (the schedule's args as written, no settings) writes into the deployment's DuckDB file", async () => {
    const schedule = parseYaml(fs.readFileSync(path.join(REPO_DIR, "f/anomstack/batches/python_ingest_simple/ingest.schedule.yaml"), "utf8")) as {
      args: Record<string, unknown>;
    };
    const at = new Date(NOW.getTime() + 300_000);
    // WM_SCHEDULED_FOR is not `now`: the flow's own `now` input is empty, the job uses the clock; the
    // ingest function is seeded by the minute, so the run is identified by the rows it adds.
    const ctx0 = await ws.open("python_ingest_simple", at);
    const before = (await storedRows(ctx0, "metric")).length;
    await closeAllDuckdbInstances();
    const before_jobs = worker.jobs.length;
    await runFlow(flow("python_ingest_simple", "ingest"), { root: REPO_DIR, args: schedule.args, runScript: worker.runScript, resolveResource });
    const job = worker.jobs.slice(before_jobs).find((j) => j.stepId === "ingest");
    expect(job?.exitCode).toBe(0);
    const ctx = await ws.open("python_ingest_simple", at);
    const after = (await storedRows(ctx, "metric")).length;
    await closeAllDuckdbInstances();
    expect(after - before).toBe(5);
  });
});
