// Where the metrics folder's files come from: the disk (local runs, the CLI) or a bundle generated into
// f/anomstack/generated/ (Windmill workers, which only receive f/). The loader and the template engine
// read every file through this interface, so both places run the same code on the same files.
//nobundling
import fs from "node:fs";
import path from "node:path";
import type { Env } from "../core/env.ts";

/** A read-only view of a metrics folder. Paths are absolute, under `root`. */
export interface MetricsSource {
  readonly root: string;
  /** "file", "dir" or undefined when nothing is there. */
  kind(p: string): "file" | "dir" | undefined;
  /** Entry names of a folder, sorted. */
  list(dir: string): string[];
  read(p: string): string;
}

/** The metrics folder on disk. */
export function diskSource(root: string): MetricsSource {
  return {
    root,
    kind(p) {
      const st = fs.statSync(p, { throwIfNoEntry: false });
      return st?.isFile() ? "file" : st?.isDirectory() ? "dir" : undefined;
    },
    list: (dir) => fs.readdirSync(dir).sort(),
    read: (p) => fs.readFileSync(p, "utf8"),
  };
}

/** Root under which a bundled metrics folder appears; never a real folder. */
export const BUNDLE_ROOT = "/anomstack-bundle/metrics";

/** A metrics folder held in memory: `files` maps paths relative to the folder ("defaults/defaults.yaml") to text. */
export function memorySource(files: Readonly<Record<string, string>>, root = BUNDLE_ROOT): MetricsSource {
  const abs = new Map(Object.entries(files).map(([rel, text]) => [path.posix.join(root, rel), text]));
  const dirs = new Set<string>([root]);
  for (const p of abs.keys()) for (let d = path.posix.dirname(p); d.startsWith(root) && !dirs.has(d); d = path.posix.dirname(d)) dirs.add(d);
  return {
    root,
    kind: (p) => (abs.has(p) ? "file" : dirs.has(p) ? "dir" : undefined),
    list(dir) {
      const names = new Set<string>();
      for (const p of [...abs.keys(), ...dirs]) if (path.posix.dirname(p) === dir && p !== dir) names.add(path.posix.basename(p));
      return [...names].sort();
    },
    read(p) {
      const text = abs.get(p);
      if (text === undefined) throw new Error(`ENOENT: no such file in the metrics bundle: ${p}`);
      return text;
    },
  };
}

/** The generated bundle, once its module has been imported (see registerBundle). */
let bundle: { source: MetricsSource; modules: Map<string, unknown> } | undefined;

/**
 * Called by the generated `f/anomstack/generated/metrics_bundle.ts`: the metrics folder's files and
 * its batches' TypeScript modules (ingest_fn, preprocess_fn and what they import; by path relative to
 * the folder), for workers without the folder.
 */
export function registerBundle(files: Readonly<Record<string, string>>, modules: Readonly<Record<string, unknown>>): void {
  // The modules count as files of the folder too (the loader checks that ingest_fn / preprocess_fn exist).
  const stubs = Object.fromEntries(Object.keys(modules).map((rel) => [rel, "// bundled TypeScript module"]));
  bundle = {
    source: memorySource({ ...files, ...stubs }),
    modules: new Map(Object.entries(modules).map(([rel, mod]) => [path.posix.join(BUNDLE_ROOT, rel), mod])),
  };
}

/** The bundle's module (its exports) for an absolute bundle path, if any. */
export function bundledModule(file: string): unknown {
  return bundle?.modules.get(file);
}

/**
 * The source of a metrics folder: the bundle for paths under BUNDLE_ROOT, else the disk.
 */
export function sourceFor(root: string): MetricsSource {
  if (root === BUNDLE_ROOT || root.startsWith(`${BUNDLE_ROOT}/`)) {
    if (!bundle) throw new Error("the metrics bundle is not loaded; run `npm run generate` and import f/anomstack/generated/metrics_bundle.ts");
    return bundle.source;
  }
  return diskSource(root);
}

/**
 * Which metrics folder to load when none is given: `ANOMSTACK_METRICS_DIR`, else `./metrics` when it
 * exists, else the generated bundle (a Windmill worker), else `./metrics` (so the error names it).
 */
export function defaultMetricsRoot(env: Env): string {
  if (env.ANOMSTACK_METRICS_DIR) return path.resolve(env.ANOMSTACK_METRICS_DIR);
  const local = path.resolve("./metrics");
  if (fs.existsSync(path.join(local, "defaults", "defaults.yaml"))) return local;
  if (bundle) return BUNDLE_ROOT;
  return local;
}
