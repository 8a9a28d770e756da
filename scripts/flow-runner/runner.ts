// A small in-process runner for the generated Windmill flows (OpenFlow YAML), so `anomstack run` and
// the tests execute exactly the flows that `wmill sync push` deploys: script steps (calling the stage
// scripts' `main`), for-loops, branches, input transforms (static values, `$res:`/`$var:` references
// resolved through windmill-client, JavaScript expressions), skip_if, retries with retry_if, timeouts
// and the failure module. Not a Windmill replacement: no scheduling, no workers, no suspend.
import path from "node:path";
import { pathToFileURL } from "node:url";
import fs from "node:fs";
import * as wmill from "windmill-client";
import { parse as parseYaml } from "yaml";
import { parseSignature } from "../generate/script-metadata.ts";

type Json = Record<string, unknown>;

export interface FlowModule {
  id: string;
  summary?: string;
  value: Json & { type: string };
  skip_if?: { expr: string };
  retry?: { constant?: { attempts?: number }; exponential?: { attempts?: number }; retry_if?: { expr: string } };
  timeout?: { type: string; value?: unknown; expr?: string };
}

export interface OpenFlow {
  summary: string;
  value: { modules: FlowModule[]; failure_module?: FlowModule };
  schema?: { properties?: Record<string, { default?: unknown }>; required?: string[] };
}

export interface RunFlowOptions {
  /** Repository root: a step's `path` f/x/y runs `<root>/f/x/y.ts`. */
  root: string;
  /** Flow inputs (missing ones take the schema's defaults). */
  args?: Json;
  /** Called with each step's id and outcome, for progress and tests. */
  onStep?: (event: { id: string; status: "ok" | "skipped" | "failed" | "retry"; result?: unknown; error?: Error }) => void;
  /** Resolve `$res:` / `$var:` references (default: windmill-client getResource / getVariable, mockable). */
  resolveResource?: (path: string) => Promise<unknown>;
  resolveVariable?: (path: string) => Promise<unknown>;
}

/** Raised when a flow fails: the failing step's id and the original error. */
export class FlowError extends Error {
  override name = "FlowError";
  constructor(
    readonly stepId: string,
    readonly original: Error,
  ) {
    super(`step ${stepId} failed: ${original.message}`, { cause: original });
  }
}

interface Scope {
  flow_input: Json;
  results: Json;
  previous_result: unknown;
}

/** Evaluate a flow expression in its scope (`flow_input`, `results`, `previous_result`, `error`, `result`). */
export function evalExpr(expr: string, scope: Json): unknown {
  const names = Object.keys(scope);
  const fn = new Function(...names, `"use strict"; return (${expr});`);
  return fn(...names.map((n) => scope[n]));
}

/** Run a parsed flow; resolves with the last step's result, rejects with a FlowError. */
export async function runFlow(flow: OpenFlow, opts: RunFlowOptions): Promise<unknown> {
  const resolveResource = opts.resolveResource ?? ((p: string) => wmill.getResource(p));
  const resolveVariable = opts.resolveVariable ?? ((p: string) => wmill.getVariable(p));

  /** Resolve `$res:`/`$var:` strings, also inside resources (as Windmill interpolates them). */
  const resolveRefs = async (v: unknown): Promise<unknown> => {
    if (typeof v === "string" && v.startsWith("$res:")) return resolveRefs(await resolveResource(v.slice(5)));
    if (typeof v === "string" && v.startsWith("$var:")) return resolveVariable(v.slice(5));
    if (Array.isArray(v)) return Promise.all(v.map(resolveRefs));
    if (v && typeof v === "object") {
      const out: Json = {};
      for (const [k, x] of Object.entries(v)) out[k] = await resolveRefs(x);
      return out;
    }
    return v;
  };

  const flowInput: Json = {};
  for (const [k, p] of Object.entries(flow.schema?.properties ?? {})) if (p.default !== undefined) flowInput[k] = p.default;
  Object.assign(flowInput, opts.args ?? {});
  for (const k of flow.schema?.required ?? []) if (flowInput[k] === undefined) throw new Error(`flow input "${k}" is required`);
  for (const [k, v] of Object.entries(flowInput)) flowInput[k] = await resolveRefs(v);

  const inputsOf = async (transforms: Record<string, { type: string; value?: unknown; expr?: string }>, scope: Json) => {
    const out: Json = {};
    for (const [k, t] of Object.entries(transforms ?? {})) {
      if (t.type === "static") out[k] = await resolveRefs(t.value);
      else if (t.type === "javascript") out[k] = await resolveRefs(evalExpr(t.expr ?? "undefined", scope));
      else throw new Error(`input ${k}: transform type "${t.type}" is not supported locally`);
    }
    return out;
  };

  const runScript = async (scriptPath: string, inputs: Json): Promise<unknown> => {
    const file = path.join(opts.root, `${scriptPath}.ts`);
    if (!fs.existsSync(file)) throw new Error(`script ${scriptPath} not found (${file})`);
    const sig = parseSignature(fs.readFileSync(file, "utf8"));
    const names = sig.args.map((a) => a.name);
    const unknown = Object.keys(inputs).filter((k) => !names.includes(k));
    if (unknown.length) throw new Error(`script ${scriptPath} has no parameter(s) ${unknown.join(", ")}`);
    const missing = sig.args.filter((a) => !a.has_default && inputs[a.name] === undefined).map((a) => a.name);
    if (missing.length) throw new Error(`script ${scriptPath}: missing required input(s) ${missing.join(", ")}`);
    const mod = (await import(pathToFileURL(file).href)) as { main: (...args: unknown[]) => unknown };
    return mod.main(...names.map((n) => inputs[n] ?? undefined));
  };

  const withTimeout = async <T>(p: Promise<T>, seconds: number | undefined, id: string): Promise<T> => {
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
  };

  const runModules = async (modules: FlowModule[], scope: Scope): Promise<unknown> => {
    let last: unknown = scope.previous_result;
    for (const m of modules) {
      const local = { ...scope, previous_result: last };
      if (m.skip_if && evalExpr(m.skip_if.expr, local)) {
        opts.onStep?.({ id: m.id, status: "skipped" });
        continue;
      }
      const attempts = 1 + (m.retry?.exponential?.attempts ?? m.retry?.constant?.attempts ?? 0);
      for (let attempt = 1; ; attempt++) {
        try {
          const timeout = m.timeout ? Number(m.timeout.type === "static" ? m.timeout.value : evalExpr(m.timeout.expr ?? "0", local)) : undefined;
          last = await withTimeout(runModule(m, local), timeout, m.id);
          scope.results[m.id] = last;
          opts.onStep?.({ id: m.id, status: "ok", result: last });
          break;
        } catch (e) {
          const error = e instanceof FlowError ? e.original : (e as Error);
          const retryable = attempt < attempts && (!m.retry?.retry_if || Boolean(evalExpr(m.retry.retry_if.expr, { error, result: undefined })));
          if (!retryable) {
            opts.onStep?.({ id: m.id, status: "failed", error });
            throw e instanceof FlowError ? e : new FlowError(m.id, error);
          }
          opts.onStep?.({ id: m.id, status: "retry", error });
        }
      }
    }
    return last;
  };

  const runModule = async (m: FlowModule, scope: Scope): Promise<unknown> => {
    const v = m.value;
    switch (v.type) {
      case "script":
        return runScript(String(v.path), await inputsOf(v.input_transforms as never, scope as unknown as Json));
      case "flow": {
        const sub = parseFlowFile(path.join(opts.root, `${String(v.path)}.flow`, "flow.yaml"));
        return runFlow(sub, { ...opts, args: await inputsOf(v.input_transforms as never, scope as unknown as Json) });
      }
      case "forloopflow": {
        const items = evalExpr((v.iterator as { expr: string }).expr, scope as unknown as Json);
        if (!Array.isArray(items)) throw new Error(`step ${m.id}: the iterator is not an array`);
        const out: unknown[] = [];
        // Iterations run one after another here; on Windmill `parallel: true` spreads them over workers.
        for (let index = 0; index < items.length; index++) {
          const iterScope: Scope = {
            flow_input: { ...scope.flow_input, iter: { value: items[index], index } },
            results: scope.results,
            previous_result: scope.previous_result,
          };
          try {
            out.push(await runModules(v.modules as FlowModule[], iterScope));
          } catch (e) {
            if (!v.skip_failures) throw e;
            out.push({ error: (e as Error).message });
          }
        }
        return out;
      }
      case "branchone": {
        for (const b of v.branches as { expr: string; modules: FlowModule[] }[]) {
          if (evalExpr(b.expr, scope as unknown as Json)) return runModules(b.modules, { ...scope });
        }
        return runModules((v.default as FlowModule[]) ?? [], { ...scope });
      }
      case "branchall":
        return Promise.all((v.branches as { modules: FlowModule[] }[]).map((b) => runModules(b.modules, { ...scope })));
      case "identity":
        return scope.previous_result;
      default:
        throw new Error(`step ${m.id}: module type "${v.type}" is not supported by the local runner`);
    }
  };

  const scope: Scope = { flow_input: flowInput, results: {}, previous_result: undefined };
  try {
    return await runModules(flow.value.modules, scope);
  } catch (e) {
    const failure = flow.value.failure_module;
    if (failure && e instanceof FlowError) {
      const error = { message: e.original.message, name: e.original.name, stack: e.original.stack, step_id: e.stepId };
      const inputs = await inputsOf(failure.value.input_transforms as never, { ...scope, error } as unknown as Json);
      await runScript(String(failure.value.path), inputs);
    }
    throw e;
  }
}

/** Read and parse a flow.yaml (flows generated here hold no `!inline` scripts). */
export function parseFlowFile(file: string): OpenFlow {
  return parseFlowYaml(fs.readFileSync(file, "utf8"));
}

export function parseFlowYaml(text: string): OpenFlow {
  return parseYaml(text) as OpenFlow;
}
