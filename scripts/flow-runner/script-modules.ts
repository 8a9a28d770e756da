// The stage scripts compiled into the CLI's build (scripts/cli-build.mjs): the in-process runner takes a
// script's module from here when the build has it, instead of importing its TypeScript file by path.
import path from "node:path";

const modules = new Map<string, () => Promise<unknown>>();

/** Called by the CLI's build: `load[rel]` imports `<root>/<rel>`. */
export function registerScriptModules(root: string, load: Record<string, () => Promise<unknown>>): void {
  for (const [rel, fn] of Object.entries(load)) modules.set(path.join(root, rel), fn);
}

/** The compiled module of the script at `file` (an absolute path), or undefined when it is not compiled in. */
export function compiledScriptModule(file: string): Promise<unknown> | undefined {
  return modules.get(path.resolve(file))?.();
}
