// The stage scripts compiled into the CLI's build (scripts/cli-build.mjs): the in-process runner takes a
// script's module from here when the build has it, instead of importing its TypeScript file by path.
import path from "node:path";

/** A compiled-in script: its module, and `main`'s parameters as Windmill's parser read them at build time. */
export interface CompiledScript {
  load: () => Promise<unknown>;
  main: { names: string[]; dates: string[] };
}

const scripts = new Map<string, CompiledScript>();

/** Called by the CLI's build: `compiled[rel]` is `<root>/<rel>`. */
export function registerScriptModules(root: string, compiled: Record<string, CompiledScript>): void {
  for (const [rel, script] of Object.entries(compiled)) scripts.set(path.join(root, rel), script);
}

/** The compiled module of the script at `file` (an absolute path), or undefined when it is not compiled in. */
export function compiledScriptModule(file: string): Promise<unknown> | undefined {
  return scripts.get(path.resolve(file))?.load();
}

/** `main`'s parameters of a compiled-in script (names, and those typed Date), or undefined. */
export function compiledMainParameters(file: string): { names: string[]; dates: string[] } | undefined {
  return scripts.get(path.resolve(file))?.main;
}
