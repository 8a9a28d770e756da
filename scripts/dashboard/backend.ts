// The app's backend runnables as the local server runs them: each `backend/<id>.yaml` of the raw app
// names a Windmill script (`type: script`, `path: f/...`); a call imports that script and runs its
// `main` with the arguments by name, in the order Windmill's own parser reads from the signature.
// Static fields are passed like Windmill passes them, except `$res:` / `$var:` references, which
// exist only on Windmill (locally the settings come from the environment).
import fs from "node:fs";
import path from "node:path";
import { importFile } from "../../f/anomstack/core/module-import.ts";
import { compiledScriptModule } from "../flow-runner/script-modules.ts";
import { parse as parseYaml } from "yaml";
import { parseSignature, type ArgSig } from "../generate/script-metadata.ts";
import { APP_DIR, REPO_ROOT } from "./bundle.ts";

/** A bad call (unknown runnable, unknown or mistyped argument): answered with HTTP 400. */
export class BackendCallError extends Error {
  override name = "BackendCallError";
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface Runnable {
  id: string;
  /** Windmill path of the script, e.g. f/anomstack/dashboard_batch. */
  path: string;
  file: string;
  args: ArgSig[];
  /** Static inputs passed on every call. */
  fixed: Record<string, unknown>;
  /** Every static field: a caller may not set these (on Windmill, the app's static values win). */
  statics: Set<string>;
}

interface RunnableYaml {
  type?: string;
  path?: string;
  fields?: Record<string, { type?: string; value?: unknown }>;
}

/** Read every `backend/*.yaml` of the app. @throws when one names something that cannot run here. */
export function loadRunnables(appDir = APP_DIR, root = REPO_ROOT): Map<string, Runnable> {
  const dir = path.join(appDir, "backend");
  const out = new Map<string, Runnable>();
  for (const name of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    const id = name.replace(/\.yaml$/, "");
    const spec = (parseYaml(fs.readFileSync(path.join(dir, name), "utf8")) ?? {}) as RunnableYaml;
    if (spec.type !== "script" || typeof spec.path !== "string" || !spec.path.startsWith("f/")) {
      throw new Error(`${path.join(dir, name)}: the local server runs workspace scripts only (type: script, path: f/...)`);
    }
    const file = path.join(root, `${spec.path}.ts`);
    if (!fs.existsSync(file)) throw new Error(`${path.join(dir, name)}: script ${spec.path} not found (${file})`);
    const sig = parseSignature(fs.readFileSync(file, "utf8"));
    const fixed: Record<string, unknown> = {};
    const statics = new Set<string>();
    for (const [k, f] of Object.entries(spec.fields ?? {})) {
      if (f?.type !== "static") continue;
      statics.add(k);
      if (!(typeof f.value === "string" && /^\$(res|var):/.test(f.value))) fixed[k] = f.value;
    }
    out.set(id, { id, path: spec.path, file, args: sig.args, fixed, statics });
  }
  return out;
}

/** The positional arguments of `main` for a call with named `args`. */
export function positionalArgs(r: Runnable, args: Record<string, unknown>): unknown[] {
  const known = new Set(r.args.map((a) => a.name));
  for (const k of Object.keys(args)) {
    if (r.statics.has(k)) throw new BackendCallError(`${k}: set by the app (a static field of ${r.id}), not by the caller`);
    if (!known.has(k)) {
      const takes = [...known].filter((n) => !r.statics.has(n));
      throw new BackendCallError(`${k}: unknown argument of ${r.path} (it takes ${takes.join(", ")})`);
    }
  }
  // Like Windmill: values are passed as given (the scripts check them), missing ones as undefined.
  const all = { ...args, ...r.fixed };
  return r.args.map((a) => all[a.name]);
}

/** Run a runnable's script with named arguments and return its result. */
export async function runRunnable(r: Runnable, args: Record<string, unknown>): Promise<unknown> {
  const positional = positionalArgs(r, args);
  const mod = ((await compiledScriptModule(r.file)) ?? (await importFile(r.file))) as { main?: (...a: unknown[]) => unknown };
  if (typeof mod.main !== "function") throw new Error(`${r.path} has no main function`);
  return mod.main(...positional);
}
