// A local runner for the generated Windmill flows (OpenFlow YAML) that behaves like Windmill's worker
// wherever the difference matters, so `anomstack run` and the tests execute exactly what `wmill sync
// push` deploys, the way a server would. What it copies (facts and citations in
// /work/notes/windmill-facts.md §3, §5):
// - flow_input is the job's args verbatim: no schema defaults (worker_flow.rs `push_next_flow_job`;
//   schedule.rs `push_scheduled_job`);
// - input transforms: static values as stored, JavaScript expressions as `JSON.stringify(x ?? null)`,
//   so a missing value arrives as `null` (windmill_jseval `eval_timeout_quickjs`);
// - `$res:` / `$var:` strings of a script step's top-level args are resolved just before the job runs
//   (common.rs `create_args_and_out_file` → `transform_json`); flow expressions see the raw string;
// - everything between steps is JSON; `main` is called like the Bun wrapper calls it (bun_executor.rs
//   `handle_bun_job`): args destructured by parameter name, so an absent key is `undefined` (the TS
//   default applies) and `null` stays `null`; the result stored as `JSON.stringify(res ?? null)` with
//   undefined properties as `null`; a throw stored as `{error: {message, name, stack, step_id}}`;
// - for-loops: each iteration is a sub-flow with flow_input = parent flow_input + `iter` and the
//   flow's failure module; parallel loops run their iterations at once (at most `parallelism`), and
//   the loop is decided after every iteration has ended; the failure module then runs inside each
//   failed iteration, not again for the loop (worker_flow.rs, `has_triggered_error_handler`);
// - `error` in failure-module and retry expressions is built like the QuickJS evaluator builds it.
// Script steps run in this process by default, or each in its own Bun process in an empty job folder
// (`startWorker` in ./worker.ts). Not a Windmill replacement: no scheduling, no suspend, no retry delays.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { importFile } from "../../f/anomstack/core/module-import.ts";
import { compiledMainParameters, compiledScriptModule } from "./script-modules.ts";
import * as wmill from "windmill-client";
import { parse as parseYaml } from "yaml";
import { parseSignature } from "../generate/script-metadata.ts";

type Json = Record<string, unknown>;

export interface InputTransform {
  type: string;
  value?: unknown;
  expr?: string;
}

export interface FlowModule {
  id: string;
  summary?: string;
  value: Json & { type: string };
  skip_if?: { expr: string };
  retry?: { constant?: { attempts?: number }; exponential?: { attempts?: number }; retry_if?: { expr: string } };
  timeout?: InputTransform;
  continue_on_error?: boolean;
}

export interface OpenFlow {
  summary: string;
  value: { modules: FlowModule[]; failure_module?: FlowModule };
  schema?: { properties?: Record<string, { default?: unknown }>; required?: string[] };
}

/** What a failed Bun job stores as its error (the wrapper's result.json on a throw). */
export interface JobErrorObject {
  message?: string;
  name?: string;
  stack?: string;
  step_id?: string;
  extra?: Json;
}

/** One script job of a flow step, as a worker receives it. */
export interface ScriptJob {
  /** Windmill path of the script, e.g. f/anomstack/ingest. */
  path: string;
  /** The job's args (args.json): JSON, `$res:`/`$var:` already resolved. */
  args: Json;
  /** The flow step id (WM_FLOW_STEP_ID). */
  stepId: string;
  jobId: string;
  /** The direct parent flow job (WM_FLOW_JOB_ID): the iteration sub-flow inside a loop. */
  flowJobId: string;
  /** WM_ROOT_FLOW_JOB_ID: the root flow, or the iteration sub-flow inside a parallel loop (§5.1). */
  rootFlowJobId: string;
  flowPath?: string;
  /** The step's timeout, in seconds. */
  timeoutSeconds?: number;
}

export type JobOutcome = { success: true; result: unknown } | { success: false; error: JobErrorObject };

/** Runs one script job: in this process (`inProcessRunner`) or in a Bun process (`startWorker`). */
export type ScriptRunner = (job: ScriptJob) => Promise<JobOutcome>;

export interface RunFlowOptions {
  /** Repository root: a step's `path` f/x/y runs `<root>/f/x/y.ts` (in process) and sub-flows are read from there. */
  root: string;
  /** The flow job's args, used verbatim as flow_input (what a schedule, webhook or HTTP route passes). */
  args?: Json;
  /** Called with each step's id and outcome, for progress and tests. */
  onStep?: (event: { id: string; status: "ok" | "skipped" | "failed" | "retry"; result?: unknown; error?: Error }) => void;
  /** Resolve `$res:` / `$var:` references (default: windmill-client getResource / getVariable, mockable). */
  resolveResource?: (path: string) => Promise<unknown>;
  resolveVariable?: (path: string) => Promise<unknown>;
  /** How script steps run (default: in this process). */
  runScript?: ScriptRunner;
  /** Windmill path of the flow (WM_FLOW_PATH). */
  flowPath?: string;
}

/** Raised when a flow fails: the failing step's id, the original error and the flow job's result. */
export class FlowError extends Error {
  override name = "FlowError";
  constructor(
    readonly stepId: string,
    readonly original: Error,
    /** What the failed flow job stores as its result: the failure module's result, or the failing step's. */
    readonly result?: unknown,
  ) {
    super(`step ${stepId} failed: ${original.message}`, { cause: original });
  }
}

/** JSON as the Bun wrapper stores a result: undefined properties become null, BigInt a string, Dates ISO strings. */
export function toJobJson(value: unknown): unknown {
  const text = JSON.stringify(value ?? null, (_k, v) => (v === undefined ? null : typeof v === "bigint" ? v.toString() : v));
  return text === undefined ? null : JSON.parse(text);
}

/** JSON as an input-transform expression's value is stored: `JSON.stringify(x ?? null)` (undefined properties dropped). */
function exprJson(value: unknown): unknown {
  const text = JSON.stringify(value ?? null);
  return text === undefined ? null : JSON.parse(text);
}

/**
 * The `error` of a failure-module or retry expression, built from `previous_result` like the QuickJS
 * evaluator does (windmill_jseval `eval_quickjs_inner`): its `.error`; for an array of results (a loop),
 * the one failed element's error, or a `MultipleErrors` object naming each; else an `UnknownError`.
 */
export function errorOf(previous: unknown): unknown {
  const direct = (previous as { error?: unknown } | null | undefined)?.error;
  if (direct) return direct;
  if (Array.isArray(previous)) {
    const failed = previous.filter((x) => x !== null && typeof x === "object" && "error" in x) as { error: JobErrorObject }[];
    if (failed.length === 1) return failed[0].error;
    const message =
      failed.length > 1 ? failed.map(({ error: e }, i) => `[${e?.step_id || i}] ${e?.message || e?.name}`).join("; ") : "Could not parse errors";
    return { name: "MultipleErrors", message, errors: previous };
  }
  return previous
    ? { name: "UnknownError", message: "Could not parse the error", error: previous }
    : { name: "UnknownError", message: "No error found" };
}

/** Evaluate a flow expression in its scope (`flow_input`, `results`, `previous_result`, `error`, ...). */
export function evalExpr(expr: string, scope: Json): unknown {
  const names = Object.keys(scope);
  const fn = new Function(...names, `"use strict"; return (${expr});`);
  return fn(...names.map((n) => scope[n]));
}

/** The scope of one expression: `error` is defined only when the expression mentions it (as on Windmill). */
function exprScope(expr: string, scope: Scope, extra: Json = {}): Json {
  const out: Json = { flow_input: scope.flow_input, results: scope.results, previous_result: scope.previous_result, ...extra };
  if (expr.includes("error")) out.error = errorOf(scope.previous_result);
  return out;
}

/** A thrown value as the Bun wrapper stores it: message, name, stack, step_id, and other own properties as `extra`. */
export function jobErrorObject(e: unknown, stepId?: string): JobErrorObject {
  const x = (e ?? {}) as Record<string, unknown>;
  const err: JobErrorObject & Json = { message: x.message as string, name: x.name as string, stack: x.stack as string };
  if (stepId) err.step_id = stepId;
  if (typeof e === "object" && e !== null) {
    const skip = ["line", "name", "stack", "column", "message", "sourceURL", "originalLine", "originalColumn"];
    const extra: Json = {};
    for (const k of Object.getOwnPropertyNames(e)) if (!skip.includes(k)) extra[k] = x[k];
    if (Object.keys(extra).length > 0) err.extra = extra;
  }
  return JSON.parse(JSON.stringify(err)) as JobErrorObject;
}

/** An Error carrying a stored job error's name, message and stack. */
export function errorFromObject(obj: JobErrorObject | undefined): Error {
  const e = new Error(obj?.message ?? "unknown error");
  e.name = obj?.name ?? "Error";
  if (obj?.stack) e.stack = obj.stack;
  return e;
}

async function withTimeout<T>(p: Promise<T>, seconds: number | undefined, id: string): Promise<T> {
  if (!seconds) return p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`step ${id} timed out after ${seconds} s`)), seconds * 1000);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Names of `main`'s parameters, and those typed `Date` (the wrapper turns their strings into Dates). */
export function mainParameters(code: string): { names: string[]; dates: string[] } {
  const args = parseSignature(code).args;
  return { names: args.map((a) => a.name), dates: args.filter((a) => a.typ === "datetime").map((a) => a.name) };
}

/** Script steps in this process: import `<root>/<path>.ts` and call `main` as the Bun wrapper does. */
export function inProcessRunner(root: string): ScriptRunner {
  return async (job) => {
    const file = path.join(root, `${job.path}.ts`);
    if (!fs.existsSync(file)) return { success: false, error: { name: "Error", message: `script ${job.path} not found (${file})` } };
    const { names, dates } = compiledMainParameters(file) ?? mainParameters(fs.readFileSync(file, "utf8"));
    const call = async () => {
      const mod = ((await compiledScriptModule(file)) ?? (await importFile(file))) as { main?: (...args: unknown[]) => unknown };
      if (typeof mod.main !== "function") throw new Error("main function is missing");
      const args: Json = { ...job.args };
      for (const d of dates) args[d] = args[d] ? new Date(String(args[d])) : undefined;
      return mod.main(...names.map((n) => args[n]));
    };
    try {
      return { success: true, result: toJobJson(await withTimeout(call(), job.timeoutSeconds, job.stepId)) };
    } catch (e) {
      return { success: false, error: jobErrorObject(e, job.stepId) };
    }
  };
}

interface Scope {
  flow_input: Json;
  results: Json;
  previous_result: unknown;
}

/** The flow job a module runs in: its id, its root (for WM_ROOT_FLOW_JOB_ID) and its failure module. */
interface FlowJob {
  id: string;
  rootId: string;
  failure?: FlowModule;
}

interface Failure {
  stepId: string;
  error: JobErrorObject;
}

/** A module's or sub-flow's end: its result, and for a failure which step failed and whether the failure module already ran. */
type Outcome = { ok: true; result: unknown } | { ok: false; result: unknown; failed: Failure; handled: boolean };

const failedWith = (stepId: string, error: JobErrorObject): Outcome => ({ ok: false, result: { error }, failed: { stepId, error }, handled: false });

/** Run a parsed flow with `opts.args` as flow_input; resolves with its result, rejects with a FlowError. */
export async function runFlow(flow: OpenFlow, opts: RunFlowOptions): Promise<unknown> {
  // The args arrive as JSON (a request body, a schedule's args): flow_input is exactly that, no defaults.
  const out = await runFlowJob(flow, opts, JSON.parse(JSON.stringify(opts.args ?? {})) as Json);
  if (out.ok) return out.result;
  throw new FlowError(out.failed.stepId, errorFromObject(out.failed.error), out.result);
}

async function runFlowJob(flow: OpenFlow, opts: RunFlowOptions, args: Json): Promise<Outcome> {
  const resolveResource = opts.resolveResource ?? ((p: string) => wmill.getResource(p));
  const resolveVariable = opts.resolveVariable ?? ((p: string) => wmill.getVariable(p));
  const runScript = opts.runScript ?? inProcessRunner(opts.root);

  /** `$res:` / `$var:` inside a resource, resolved as the server interpolates them. */
  const interpolate = async (v: unknown): Promise<unknown> => {
    if (typeof v === "string" && v.startsWith("$res:")) return interpolate(await resolveResource(v.slice(5)));
    if (typeof v === "string" && v.startsWith("$var:")) return resolveVariable(v.slice(5));
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const out: Json = {};
      for (const [k, x] of Object.entries(v)) out[k] = await interpolate(x);
      return out;
    }
    return v;
  };
  /** One top-level arg: `$res:`/`$var:` strings, also inside objects (not arrays), as common.rs `transform_json_value`. */
  const resolveArg = async (name: string, v: unknown): Promise<unknown> => {
    if (typeof v === "string" && v.startsWith("$var:")) return resolveVariable(v.slice(5));
    if (typeof v === "string" && v.startsWith("$res:")) {
      const p = v.slice(5);
      if (p.split("/").length < 2) throw new Error(`Argument \`${name}\` is an invalid resource path: ${p}`);
      let res: unknown;
      try {
        res = await resolveResource(p);
      } catch (e) {
        throw new Error(`Resource ${p} not found for \`${name}\`: ${(e as Error).message}`);
      }
      return interpolate(res);
    }
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const out: Json = {};
      for (const [k, x] of Object.entries(v)) out[k] = await resolveArg(name, x);
      return out;
    }
    return v;
  };
  const resolveArgs = async (args: Json): Promise<Json> => {
    const out: Json = {};
    for (const [k, v] of Object.entries(args)) out[k] = /\$(?:var|res|encrypted):/.test(JSON.stringify(v) ?? "") ? await resolveArg(k, v) : v;
    return out;
  };

  const transform = (t: InputTransform, scope: Scope, extra: Json = {}): unknown => {
    if (t.type === "static") return toJobJson(t.value);
    if (t.type === "javascript") return exprJson(evalExpr(t.expr ?? "undefined", exprScope(t.expr ?? "", scope, extra)));
    throw new Error(`transform type "${t.type}" is not supported locally`);
  };
  const inputsOf = (transforms: Record<string, InputTransform> | undefined, scope: Scope, extra: Json = {}): Json => {
    const out: Json = {};
    for (const [k, t] of Object.entries(transforms ?? {})) out[k] = transform(t, scope, extra);
    return out;
  };

  /** One script job: inputs, `$res:` resolution, then the runner. */
  const scriptJob = async (m: FlowModule, scope: Scope, job: FlowJob, extra: Json = {}): Promise<Outcome> => {
    let args: Json;
    let timeoutSeconds: number | undefined;
    try {
      args = await resolveArgs(inputsOf(m.value.input_transforms as Record<string, InputTransform>, scope, extra));
      timeoutSeconds = m.timeout ? Number(transform(m.timeout, scope)) || undefined : undefined;
    } catch (e) {
      return failedWith(m.id, jobErrorObject(e, m.id));
    }
    const out = await runScript({
      path: String(m.value.path),
      args,
      stepId: m.id,
      jobId: crypto.randomUUID(),
      flowJobId: job.id,
      rootFlowJobId: job.rootId,
      flowPath: opts.flowPath,
      timeoutSeconds,
    });
    return out.success ? { ok: true, result: out.result } : failedWith(m.id, out.error);
  };

  /** A module with its retries (the retried job gets the same args; no delay here). */
  const runWithRetries = async (m: FlowModule, scope: Scope, job: FlowJob): Promise<Outcome> => {
    const attempts = 1 + (m.retry?.exponential?.attempts ?? m.retry?.constant?.attempts ?? 0);
    for (let attempt = 1; ; attempt++) {
      const out = await runModule(m, scope, job);
      if (out.ok) return out;
      const failedScope = { ...scope, previous_result: out.result };
      const retryIf = m.retry?.retry_if?.expr;
      const retry = attempt < attempts && (!retryIf || Boolean(evalExpr(retryIf, exprScope(retryIf, failedScope, { result: out.result }))));
      opts.onStep?.({ id: m.id, status: retry ? "retry" : "failed", error: errorFromObject(out.failed.error) });
      if (!retry) return out;
    }
  };

  /** The failure module, run with the failing module's result as previous_result. */
  const runFailure = async (failure: FlowModule, scope: Scope, previous: unknown, job: FlowJob): Promise<unknown> => {
    const extra = { started_at: new Date().toISOString(), flow_job_id: job.id };
    const out = await scriptJob(failure, { ...scope, previous_result: previous }, job, extra);
    opts.onStep?.({
      id: failure.id,
      status: out.ok ? "ok" : "failed",
      result: out.result,
      error: out.ok ? undefined : errorFromObject(out.failed.error),
    });
    return out.result;
  };

  /** A (sub-)flow's modules in order; on a failure its failure module runs unless it already ran below. */
  const runModules = async (modules: FlowModule[], flowInput: Json, results: Json, previous: unknown, job: FlowJob): Promise<Outcome> => {
    let last = previous;
    for (const m of modules) {
      const scope: Scope = { flow_input: flowInput, results, previous_result: last };
      if (m.skip_if && evalExpr(m.skip_if.expr, exprScope(m.skip_if.expr, scope))) {
        opts.onStep?.({ id: m.id, status: "skipped" });
        continue;
      }
      const out = await runWithRetries(m, scope, job);
      results[m.id] = out.result;
      last = out.result;
      if (out.ok) {
        opts.onStep?.({ id: m.id, status: "ok", result: out.result });
        continue;
      }
      if (m.continue_on_error) continue;
      if (job.failure && !out.handled) return { ...out, result: await runFailure(job.failure, scope, out.result, job), handled: true };
      return out;
    }
    return { ok: true, result: last };
  };

  /** Sub-flows (loop iterations, branches) run `limit` at a time; all of them end before the caller decides. */
  const runAll = async (count: number, limit: number, stopOnFailure: boolean, run: (i: number) => Promise<Outcome>): Promise<Outcome[]> => {
    const outcomes: Outcome[] = [];
    let next = 0;
    let stop = false;
    const lane = async () => {
      while (!stop && next < count) {
        const i = next++;
        outcomes[i] = await run(i);
        if (stopOnFailure && !outcomes[i].ok) stop = true;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, lane));
    return outcomes.filter(Boolean);
  };

  /** A loop's or branchall's end: success when every sub-flow succeeded (or failures are skipped). */
  const decide = (id: string, outcomes: Outcome[], skipFailures: (i: number) => boolean, job: FlowJob): Outcome => {
    const result = outcomes.map((o) => o.result);
    const failedAt = outcomes.findIndex((o, i) => !o.ok && !skipFailures(i));
    if (failedAt < 0) return { ok: true, result };
    const first = outcomes[failedAt] as Extract<Outcome, { ok: false }>;
    // The failure module already ran inside the failed sub-flow: not again at the loop node.
    return {
      ok: false,
      result,
      failed: first.failed ?? { stepId: id, error: { name: "Error", message: "failed" } },
      handled: Boolean(job.failure) || first.handled,
    };
  };

  const runModule = async (m: FlowModule, scope: Scope, job: FlowJob): Promise<Outcome> => {
    const v = m.value;
    switch (v.type) {
      case "script":
        return scriptJob(m, scope, job);
      case "flow": {
        const sub = parseFlowFile(path.join(opts.root, `${String(v.path)}.flow`, "flow.yaml"));
        let args: Json;
        try {
          args = inputsOf(v.input_transforms as Record<string, InputTransform>, scope);
        } catch (e) {
          return failedWith(m.id, jobErrorObject(e, m.id));
        }
        // A sub-flow job is its own root and runs its own failure module; the parent's runs again (reset for flows).
        const out = await runFlowJob(sub, { ...opts, flowPath: String(v.path) }, args);
        return out.ok ? out : { ...out, handled: false };
      }
      case "forloopflow": {
        let items: unknown;
        try {
          const expr = (v.iterator as InputTransform).expr ?? "";
          items = exprJson(evalExpr(expr, exprScope(expr, scope)));
        } catch (e) {
          return failedWith(m.id, jobErrorObject(e, m.id));
        }
        if (!Array.isArray(items)) return failedWith(m.id, { name: "Error", message: "Expected an array value in the iterator expression" });
        const parallel = Boolean(v.parallel);
        const limit = parallel ? Number(v.parallelism ? transform(v.parallelism as InputTransform, scope) : 0) || items.length : 1;
        const outcomes = await runAll(items.length, limit, !parallel && !v.skip_failures, (index) => {
          const input: Json = { ...scope.flow_input };
          if ("iter" in input) input.iter_parent = input.iter;
          input.iter = { index, value: items[index] };
          const id = crypto.randomUUID();
          // Inside a parallel loop the iteration sub-flow is the steps' root job (§5.1).
          const iteration: FlowJob = { id, rootId: parallel ? id : job.rootId, failure: job.failure };
          return runModules(v.modules as FlowModule[], input, { ...scope.results }, scope.previous_result, iteration);
        });
        return decide(m.id, outcomes, () => Boolean(v.skip_failures), job);
      }
      case "branchall": {
        const branches = v.branches as { modules: FlowModule[]; skip_failure?: boolean }[];
        const parallel = Boolean(v.parallel);
        const outcomes = await runAll(branches.length, parallel ? branches.length : 1, false, (i) => {
          const id = crypto.randomUUID();
          const branch: FlowJob = { id, rootId: parallel ? id : job.rootId, failure: job.failure };
          return runModules(branches[i].modules, scope.flow_input, { ...scope.results }, scope.previous_result, branch);
        });
        return decide(m.id, outcomes, (i) => Boolean(branches[i].skip_failure), job);
      }
      case "branchone": {
        for (const b of v.branches as { expr: string; modules: FlowModule[] }[]) {
          if (evalExpr(b.expr, exprScope(b.expr, scope)))
            return runModules(b.modules, scope.flow_input, scope.results, scope.previous_result, { ...job, failure: undefined });
        }
        return runModules((v.default as FlowModule[]) ?? [], scope.flow_input, scope.results, scope.previous_result, { ...job, failure: undefined });
      }
      case "identity":
        return { ok: true, result: scope.previous_result };
      default:
        return failedWith(m.id, { name: "Error", message: `step ${m.id}: module type "${v.type}" is not supported by the local runner` });
    }
  };

  const id = crypto.randomUUID();
  return runModules(flow.value.modules, args, {}, undefined, { id, rootId: id, failure: flow.value.failure_module });
}

/** Read and parse a flow.yaml (flows generated here hold no `!inline` scripts). */
export function parseFlowFile(file: string): OpenFlow {
  return parseFlowYaml(fs.readFileSync(file, "utf8"));
}

export function parseFlowYaml(text: string): OpenFlow {
  return parseYaml(text) as OpenFlow;
}
