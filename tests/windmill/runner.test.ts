// The generated flows run in-process: stage scripts called with windmill-client in mock mode for the
// settings resource, sharded train, retries of transient errors only, timeouts, the failure handler.
// Runs pass what an HTTP caller would pass (`now` and the settings resource as a `$res:` string): the
// runner, like Windmill, applies no schema defaults.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { plan } from "../../scripts/generate/main.ts";
import {
  errorOf,
  FlowError,
  inProcessRunner,
  parseFlowYaml,
  runFlow,
  type FlowModule,
  type OpenFlow,
  type RunFlowOptions,
} from "../../scripts/flow-runner/runner.ts";
import { shardOf } from "../../f/anomstack/core/shard.ts";
import { backfillJob } from "../../f/anomstack/jobs/backfill.ts";
import { withJobContext } from "../../f/anomstack/stages/run-stage.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { memoryLogger } from "../../f/anomstack/core/log.ts";
import { makeWorkspace, REPO_DIR, storedRows, type Workspace } from "../helpers/workspace.ts";

let ws: Workspace;
let settings: Record<string, unknown>;
const NOW = new Date("2026-03-01T12:00:00Z");
/** The settings resource as a caller passes it; the step's worker resolves it (facts §3). */
const SETTINGS = "$res:f/anomstack/settings";

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
  it("a local run executes the objects whose YAML generate writes: every flow and schedule parses back equal", () => {
    const full = plan({ root: REPO_DIR, metricsDir: ws.metricsDir, env: {} });
    const local = plan({ root: REPO_DIR, metricsDir: ws.metricsDir, env: {}, flowsOnly: true });
    const written = [...full.files].filter(([p]) => p.startsWith("f/anomstack/batches/") && p.endsWith(".yaml"));
    expect(written.length).toBeGreaterThan(10);
    expect([...(local.objects ?? new Map()).keys()].sort()).toEqual(written.map(([p]) => p).sort());
    for (const [p, text] of written) expect(local.objects?.get(p), p).toEqual(parseFlowYaml(text));
    // Of the batches asked for only, at the same paths.
    const one = plan({ root: REPO_DIR, metricsDir: ws.metricsDir, env: {}, flowsOnly: true, batches: ["python_ingest_simple"] });
    const paths = [...(one.objects ?? new Map()).keys()];
    expect(paths.length).toBeGreaterThan(3);
    for (const p of paths) expect(one.objects?.get(p)).toEqual(local.objects?.get(p));
    expect(paths.every((p) => p.startsWith("f/anomstack/batches/python_ingest_simple/"))).toBe(true);
  });

  it("train and the pipeline of a batch run end to end, the settings resource coming from windmill-client's mock", async () => {
    await withJobContext("python_ingest_simple", { env: ws.env, now: new Date(NOW.getTime() - 1000), log: memoryLogger() }, (ctx) =>
      backfillJob(ctx, { periods: 40 }),
    );
    const trained = await runFlow(flowOf("python_ingest_simple", "train"), { root: REPO_DIR, args: { now: NOW.toISOString(), settings: SETTINGS } });
    expect(trained).toEqual([
      expect.objectContaining({ job: "train", status: "ok", trained: ["metric1", "metric2", "metric3", "metric4", "metric5"] }),
    ]);
    const steps: string[] = [];
    await runFlow(flowOf("python_ingest_simple", "pipeline"), {
      root: REPO_DIR,
      args: { now: NOW.toISOString(), settings: SETTINGS },
      onStep: (e) => steps.push(`${e.id}:${e.status}`),
    });
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

  it("the shard plan hands each shard its metric names, and each shard trains exactly those", async () => {
    const sharded = { env: { ...(settings.env as object), ANOMSTACK__PYTHON_INGEST_SIMPLE__SHARD_SIZE: "2" } };
    const jobs: { path: string; args: Record<string, unknown> }[] = [];
    const inProcess = inProcessRunner(REPO_DIR);
    const result = (await runFlow(flowOf("python_ingest_simple", "train"), {
      root: REPO_DIR,
      args: { now: NOW.toISOString(), settings: sharded },
      runScript: async (job) => {
        jobs.push({ path: job.path, args: job.args });
        return inProcess(job);
      },
    })) as { trained: string[] }[];
    const planned = jobs.filter((j) => j.path === "f/anomstack/train").map((j) => [j.args.shard, j.args.shard_count, j.args.metrics]);
    const names = ["metric1", "metric2", "metric3", "metric4", "metric5"];
    expect(planned).toEqual(
      [0, 1, 2].map((i) => [i, 3, names.filter((m) => shardOf(m, 3) === i)]).sort((a, b) => (a[0] as number) - (b[0] as number)),
    );
    expect(result.map((r) => r.trained)).toEqual(planned.map((p) => p[2]));
  });

  it("a failing shard sends one failure notice, with the real error, from inside its iteration (not again for the loop)", async () => {
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      said.push(String(chunk));
      return true;
    });
    const broken = { env: { ...(settings.env as object), ANOMSTACK__PYTHON_INGEST_SIMPLE__TRAIN_SQL: "select nope from no_such_table" } };
    const events: string[] = [];
    const err = (await runFlow(flowOf("python_ingest_simple", "train"), {
      root: REPO_DIR,
      args: { now: NOW.toISOString(), settings: broken },
      onStep: (e) => events.push(`${e.id}:${e.status}`),
    }).catch((e: FlowError) => e)) as FlowError;
    spy.mockRestore();
    expect(err).toBeInstanceOf(FlowError);
    expect(err.stepId).toBe("train_shard");
    expect(err.original.name).toBe("SqlError");
    expect(events).toEqual(["train_plan:ok", "train_shard:failed", "failure:ok", "train:failed"]);
    const notices = said
      .join("")
      .split("\n")
      .filter((l) => l.includes("❌ [python_ingest_simple] train (shard 1 of 1) failed"));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain("no_such_table");
    expect(notices[0]).not.toContain("undefined");
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
      args: { now: NOW.toISOString(), settings: SETTINGS },
      onStep: (e) => events.push(`${e.id}:${e.status}`),
    }).catch((e: FlowError) => e)) as FlowError;
    spy.mockRestore();
    expect(err).toBeInstanceOf(FlowError);
    expect(err.stepId).toBe("ingest");
    expect(err.original.message).toBe("broken ingest: ingest_fn ingest.ts threw: API down");
    expect(events).toEqual(["ingest:retry", "ingest:retry", "ingest:failed", "failure:ok"]);
    expect(said.join("")).toContain("❌ [broken] ingest failed: broken ingest: ingest_fn ingest.ts threw: API down");
  });

  it("does not retry what a retry cannot fix (bad ingested data)", async () => {
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const events: string[] = [];
    const err = (await runFlow(flowOf("baddata", "ingest"), {
      root: REPO_DIR,
      args: { settings: SETTINGS },
      onStep: (e) => events.push(`${e.id}:${e.status}`),
    }).catch((e: FlowError) => e)) as FlowError;
    spy.mockRestore();
    expect(err.original.name).toBe("DataError");
    expect(events).toEqual(["ingest:failed", "failure:ok"]);
  });

  it("stops a step at job_timeout_seconds", async () => {
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const err = (await runFlow(flowOf("slow", "ingest"), { root: REPO_DIR, args: { settings: SETTINGS } }).catch((e: FlowError) => e)) as FlowError;
    spy.mockRestore();
    expect(err.original.message).toBe("step ingest timed out after 1 s");
  });
});

// ---------------------------------------------------------------------------------------------------
// The runner's semantics, each as Windmill's worker has it (/work/notes/windmill-facts.md §3, §5), on
// small scripts of a throw-away workspace. Each of these failed on the runner before it copied Windmill.

/** A workspace root holding f/t/<name>.ts for each script given. */
function scriptsRoot(scripts: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-runner-"));
  for (const [name, code] of Object.entries(scripts)) {
    fs.mkdirSync(path.join(root, "f/t"), { recursive: true });
    fs.writeFileSync(path.join(root, `f/t/${name}.ts`), code);
  }
  return root;
}

const js = (expr: string) => ({ type: "javascript", expr });
const stat = (value: unknown) => ({ type: "static", value });
const step = (id: string, script: string, inputs: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): FlowModule => ({
  id,
  value: { type: "script", path: `f/t/${script}`, input_transforms: inputs },
  ...extra,
});
const flowOfModules = (modules: FlowModule[], failure?: FlowModule, schema?: OpenFlow["schema"]): OpenFlow => ({
  summary: "t",
  value: { modules, ...(failure ? { failure_module: failure } : {}) },
  ...(schema ? { schema } : {}),
});
/** A parallel for-loop over `iterator` running `modules` once per item. */
const loop = (id: string, iterator: string, modules: FlowModule[], extra: Record<string, unknown> = {}): FlowModule => ({
  id,
  value: { type: "forloopflow", iterator: js(iterator), skip_failures: false, parallel: true, modules, ...extra },
});

/** Calls recorded by the scripts below (they run in this process and share globalThis). */
const calls = () => ((globalThis as Record<string, unknown>).__calls ??= []) as unknown[];

const SCRIPTS = {
  // returns what it got, with the types the JSON carried
  echo: `export async function main(a = "default of a", b = "default of b") {
    return { a, b, a_is_null: a === null, b_is_undefined: b === undefined };
  }`,
  keys: "export async function main(input: unknown) { return input; }\n",
  // a result with a Date, an undefined property and a BigInt
  rich: 'export async function main() { return { when: new Date("2026-03-01T12:00:00Z"), gone: undefined, big: 2n ** 70n, list: [undefined, 1] }; }\n',
  types: `export async function main(x: any) {
    return { when: typeof x.when, gone: x.gone, has_gone: "gone" in x, big: x.big, list: x.list, when_value: x.when };
  }`,
  // holds for 150 ms, counting how many run at once; fails for the item "bad"
  slow: `export async function main(item: string) {
    const g = globalThis as any;
    g.__active = (g.__active ?? 0) + 1;
    g.__maxActive = Math.max(g.__maxActive ?? 0, g.__active);
    await new Promise((r) => setTimeout(r, item === "late" ? 400 : 150));
    g.__active--;
    (g.__calls ??= []).push("slow:" + item);
    if (item === "bad") throw Object.assign(new TypeError("item " + item + " is bad"), { code: 42 });
    return { item };
  }`,
  notify: `export async function main(job: string, error: string, iter: unknown, previous: unknown, input_keys: string[]) {
    ((globalThis as any).__calls ??= []).push({ job, error, iter, previous, input_keys });
    return { notified: job };
  }`,
  fail: 'export async function main() { throw new RangeError("no way"); }\n',
};

describe("the runner behaves like Windmill's worker", () => {
  let root: string;
  beforeAll(() => {
    root = scriptsRoot(SCRIPTS);
  });
  const run = (flow: OpenFlow, args: Record<string, unknown> = {}, more: Partial<RunFlowOptions> = {}) => runFlow(flow, { root, args, ...more });
  const reset = () => {
    const g = globalThis as Record<string, unknown>;
    g.__calls = [];
    g.__active = 0;
    g.__maxActive = 0;
  };

  it("uses the args verbatim as flow_input: no schema defaults (a schedule's `args: {}` gives an empty flow_input)", async () => {
    const schema = { properties: { now: { default: "" }, settings: { default: "$res:f/anomstack/settings" } }, required: [] };
    const out = await run(flowOfModules([step("k", "keys", { input: js("flow_input") })], undefined, schema), {});
    expect(out).toEqual({});
    expect(await run(flowOfModules([step("k", "keys", { input: js("flow_input") })], undefined, schema), { now: "x" })).toEqual({ now: "x" });
  });

  it("passes null for an expression that evaluates to undefined, so main's TS default does not apply; an absent input takes it", async () => {
    const out = await run(flowOfModules([step("e", "echo", { a: js("flow_input.missing") })]));
    expect(out).toEqual({ a: null, b: "default of b", a_is_null: true, b_is_undefined: false });
  });

  it("JSON-round-trips results and arguments: Dates become strings, undefined properties null, BigInt a string", async () => {
    const out = await run(flowOfModules([step("r", "rich"), step("t", "types", { x: js("results.r") })]));
    expect(out).toEqual({
      when: "string",
      when_value: "2026-03-01T12:00:00.000Z",
      gone: null,
      has_gone: true,
      big: "1180591620717411303424",
      list: [null, 1],
    });
    // an expression's value is stored as JSON too: a Date object reaches main as its ISO string
    const viaExpr = await run(flowOfModules([step("t", "types", { x: js('({ when: new Date("2026-03-01T00:00:00Z"), gone: undefined })') })]));
    expect(viaExpr).toMatchObject({ when: "string", has_gone: false, when_value: "2026-03-01T00:00:00.000Z" });
  });

  it("resolves $res: in a step's args just before the job runs; flow expressions see the string", async () => {
    const resolveResource = async (p: string) => ({ resolved: p, nested: "$var:f/t/secret" });
    const resolveVariable = async (p: string) => `value of ${p}`;
    const flow = flowOfModules([step("a", "keys", { input: js("{ seen_by_flow: typeof flow_input.s, settings: flow_input.s }") })]);
    const out = await run(flow, { s: "$res:f/t/settings" }, { resolveResource, resolveVariable });
    expect(out).toEqual({ seen_by_flow: "string", settings: { resolved: "f/t/settings", nested: "value of f/t/secret" } });
  });

  it("runs a parallel for-loop's iterations at once, at most `parallelism` at a time, results in item order", async () => {
    reset();
    const flow = flowOfModules([
      loop("l", '["a", "b", "c", "d", "e"]', [step("s", "slow", { item: js("flow_input.iter.value") })], { parallelism: stat(2) }),
    ]);
    const out = await run(flow);
    expect(out).toEqual([{ item: "a" }, { item: "b" }, { item: "c" }, { item: "d" }, { item: "e" }]);
    expect((globalThis as Record<string, unknown>).__maxActive).toBe(2);
  });

  it("decides a parallel loop only after every iteration has ended, the failed one included", async () => {
    reset();
    const flow = flowOfModules([loop("l", '["bad", "late", "c"]', [step("s", "slow", { item: js("flow_input.iter.value") })])]);
    const err = (await run(flow).catch((e: FlowError) => e)) as FlowError;
    expect(err).toBeInstanceOf(FlowError);
    expect(err.stepId).toBe("s");
    expect(err.original).toMatchObject({ name: "TypeError", message: "item bad is bad" });
    // "late" ends 250 ms after "bad" failed: the loop waited for it
    expect([...calls()].sort()).toEqual(["slow:bad", "slow:c", "slow:late"]);
    expect(err.result).toEqual([
      { error: expect.objectContaining({ name: "TypeError", step_id: "s", extra: { code: 42 } }) },
      { item: "late" },
      { item: "c" },
    ]);
  });

  it("runs the failure module inside the failed iteration (its error, flow_input + iter), and not again for the loop", async () => {
    reset();
    const failure = step("failure", "notify", {
      job: js('error?.step_id ?? "flow"'),
      error: js("error?.message ?? String(error)"),
      iter: js("flow_input.iter"),
      previous: js("previous_result"),
      input_keys: js("Object.keys(flow_input).sort()"),
    });
    const flow = flowOfModules([loop("l", '["a", "bad", "c"]', [step("s", "slow", { item: js("flow_input.iter.value") })])], failure);
    const events: string[] = [];
    const err = (await run(flow, { now: "n" }, { onStep: (e) => events.push(`${e.id}:${e.status}`) }).catch((e: FlowError) => e)) as FlowError;
    expect(err).toBeInstanceOf(FlowError);
    const notices = calls().filter((c) => typeof c === "object");
    expect(notices).toEqual([
      {
        job: "s",
        error: "item bad is bad",
        iter: { index: 1, value: "bad" },
        previous: {
          error: {
            message: "item bad is bad",
            name: "TypeError",
            stack: expect.stringContaining("item bad is bad"),
            step_id: "s",
            extra: { code: 42 },
          },
        },
        input_keys: ["iter", "now"],
      },
    ]);
    expect(events.filter((e) => e.startsWith("failure:"))).toEqual(["failure:ok"]);
    // the failed iteration's result is its failure module's result
    expect(err.result).toEqual([{ item: "a" }, { notified: "s" }, { item: "c" }]);
  });

  it("gives a top-level failure module previous_result = the failed step's {error} and error = its error", async () => {
    reset();
    const failure = step("failure", "notify", {
      job: js('error?.step_id ?? "flow"'),
      error: js("error?.message ?? String(error)"),
      iter: js("flow_input.iter"),
      previous: js("previous_result"),
      input_keys: js("Object.keys(flow_input)"),
    });
    const err = (await run(flowOfModules([step("boom", "fail")], failure)).catch((e: FlowError) => e)) as FlowError;
    expect(err.original).toMatchObject({ name: "RangeError", message: "no way" });
    expect(calls()).toEqual([
      {
        job: "boom",
        error: "no way",
        iter: null,
        previous: { error: { message: "no way", name: "RangeError", stack: expect.any(String), step_id: "boom" } },
        input_keys: [],
      },
    ]);
    expect(err.result).toEqual({ notified: "boom" });
  });

  it("builds `error` like the QuickJS evaluator: .error, the one failed element, MultipleErrors, UnknownError", () => {
    const e1 = { message: "m1", name: "E", step_id: "s1" };
    const e2 = { message: "m2", name: "E" };
    expect(errorOf({ error: e1 })).toBe(e1);
    expect(errorOf([{ ok: 1 }, { error: e1 }])).toBe(e1);
    expect(errorOf([{ error: e1 }, { ok: 1 }, { error: e2 }])).toEqual({
      name: "MultipleErrors",
      message: "[s1] m1; [1] m2",
      errors: [{ error: e1 }, { ok: 1 }, { error: e2 }],
    });
    expect(errorOf([{ ok: 1 }])).toEqual({ name: "MultipleErrors", message: "Could not parse errors", errors: [{ ok: 1 }] });
    expect(errorOf("x")).toEqual({ name: "UnknownError", message: "Could not parse the error", error: "x" });
    expect(errorOf(null)).toEqual({ name: "UnknownError", message: "No error found" });
  });

  it("evaluates retry_if with `error` the failed job's stored error object", async () => {
    reset();
    const events: string[] = [];
    const flow = flowOfModules([
      step(
        "boom",
        "fail",
        {},
        { retry: { constant: { attempts: 3 }, retry_if: { expr: 'error.name !== "RangeError" && !(error instanceof Error)' } } },
      ),
    ]);
    await run(flow, {}, { onStep: (e) => events.push(`${e.id}:${e.status}`) }).catch(() => {});
    expect(events).toEqual(["boom:failed"]);
    const retried: string[] = [];
    const again = flowOfModules([
      step("boom", "fail", {}, { retry: { constant: { attempts: 2 }, retry_if: { expr: '!(error instanceof Error) && error.step_id === "boom"' } } }),
    ]);
    await run(again, {}, { onStep: (e) => retried.push(`${e.id}:${e.status}`) }).catch(() => {});
    expect(retried).toEqual(["boom:retry", "boom:retry", "boom:failed"]);
  });
});
