// `npm run generate` (also `anomstack generate`): turn metrics/**.yaml into the Windmill workspace
// files under f/ — the metrics bundle, every batch's flows, schedules and HTTP trigger, the summary
// schedule and a `.script.yaml` for every script — deterministically. `--check` writes nothing and
// lists what is stale (CI runs it). Config errors are reported before anything is written.
import fs from "node:fs";
import path from "node:path";
import { loadConfig, type BatchConfig } from "../../f/anomstack/config/index.ts";
import { diskSource } from "../../f/anomstack/config/source.ts";
import { readYamlMapping } from "../../f/anomstack/config/files.ts";
import { metricsBundle } from "./bundle.ts";
import { batchFlows, summarySchedule } from "./flows.ts";
import { FOLDER, batchSegments } from "./paths.ts";
import { scriptMetadata } from "./script-metadata.ts";
import { workerLock } from "./worker-lock.ts";
import { toWindmillYaml } from "./yaml.ts";
import type { Env } from "../../f/anomstack/core/env.ts";

export interface GenerateOptions {
  /** Repository root (the folder holding f/ and metrics/). */
  root: string;
  /** Metrics folder; default <root>/metrics. */
  metricsDir?: string;
  env?: Env;
  /** Only the flows, schedules and triggers (what a local run needs): no bundle, no script metadata. */
  flowsOnly?: boolean;
  /** With flowsOnly: the files of these batches only (their paths as among all batches). */
  batches?: readonly string[];
}

export interface Plan {
  /** Every generated file: repo-relative path → content. */
  files: Map<string, string>;
  /** Generated files on disk that the plan no longer has (to delete). */
  stale: string[];
  batches: BatchConfig[];
  flows: string[];
  /**
   * With flowsOnly: the batches' flows, schedules and triggers as the objects whose YAML `files` holds
   * (what a local run executes, without writing and parsing the YAML back; a test compares the two).
   */
  objects?: Map<string, unknown>;
}

/** Is this repo-relative path owned by the generator (so a leftover may be deleted)? */
export function isGenerated(rel: string): boolean {
  return (
    rel.startsWith(`${FOLDER}/batches/`) ||
    rel.startsWith(`${FOLDER}/generated/`) ||
    (rel.startsWith("f/") && (rel.endsWith(".script.yaml") || rel.endsWith(".script.lock"))) ||
    rel === `${FOLDER}/summary.schedule.yaml` ||
    rel === `${FOLDER}/folder.meta.yaml`
  );
}

function listFiles(root: string, rel: string): string[] {
  const dir = path.join(root, rel);
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const r = `${rel}/${name}`;
    const st = fs.statSync(path.join(root, r));
    if (st.isDirectory()) {
      // Raw apps (<name>.raw_app/) are bundled by `wmill`, not deployed file by file.
      if (name !== "tests" && name !== "node_modules" && !name.endsWith(".raw_app")) out.push(...listFiles(root, r));
    } else out.push(r);
  }
  return out;
}

/** Stage scripts (f/anomstack/<name>.ts with a `main`) present in the tree or the plan. */
function availableStages(root: string): Set<string> {
  const out = new Set<string>();
  const dir = path.join(root, FOLDER);
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith(".ts")) continue;
    const code = fs.readFileSync(path.join(root, FOLDER, f), "utf8");
    if (/export\s+async\s+function\s+main\s*\(/.test(code)) out.add(f.replace(/\.ts$/, ""));
  }
  return out;
}

/** Compute every generated file without writing anything. Throws on invalid config. */
export function plan(opts: GenerateOptions): Plan {
  const root = path.resolve(opts.root);
  const metricsDir = path.resolve(opts.metricsDir ?? path.join(root, "metrics"));
  // A local run (flowsOnly) runs the valid batches whatever another batch file says; a deploy is strict.
  const { batches } = loadConfig({ metricsDir, env: opts.env ?? {}, skipBroken: opts.flowsOnly });
  const configs = [...batches.values()];
  const segments = batchSegments(configs.map((c) => c.metric_batch));
  const files = new Map<string, string>();
  if (!opts.flowsOnly) for (const [p, text] of metricsBundle(metricsDir, configs, root)) files.set(p, text);
  const stages = availableStages(root);
  const flows: string[] = [];
  if (opts.flowsOnly) {
    // A local run: the objects of the batches it runs, no YAML.
    const objects = new Map<string, unknown>();
    for (const cfg of configs) {
      if (opts.batches && !opts.batches.includes(cfg.metric_batch)) continue;
      const generated = batchFlows(cfg, segments.get(cfg.metric_batch)!, stages);
      flows.push(...generated.flows);
      for (const [p, obj] of generated.files) objects.set(p, obj);
    }
    let yaml: Map<string, string> | undefined;
    return {
      // The YAML is written only when asked for (the tests' flows read it; `anomstack run` does not).
      get files() {
        yaml ??= new Map([...objects].map(([p, obj]) => [p, toWindmillYaml(obj)]));
        return yaml;
      },
      stale: [],
      batches: configs,
      flows,
      objects,
    };
  }
  for (const cfg of configs) {
    const generated = batchFlows(cfg, segments.get(cfg.metric_batch)!, stages);
    flows.push(...generated.flows);
    for (const [p, obj] of generated.files) files.set(p, toWindmillYaml(obj));
  }
  const defaults = readYamlMapping(diskSource(metricsDir), path.join(metricsDir, "defaults", "defaults.yaml"));
  for (const [p, obj] of summarySchedule(defaults, stages)) files.set(p, toWindmillYaml(obj));
  files.set(
    `${FOLDER}/folder.meta.yaml`,
    toWindmillYaml({ summary: "Anomstack: anomaly detection for metric batches", display_name: "anomstack", owners: [], extra_perms: {} }),
  );
  // Every TypeScript file under f/ (on disk, or about to be generated) gets its .script.yaml; the entry
  // scripts (f/anomstack/<name>.ts, the ones Windmill runs) also their lock (./worker-lock.ts).
  const lock = workerLock(root);
  const tag = typeof defaults.worker_tag === "string" ? defaults.worker_tag : "";
  const onDisk = listFiles(root, "f");
  const tsFiles = new Set([...onDisk, ...files.keys()].filter((p) => p.endsWith(".ts") && !p.endsWith(".test.ts")));
  for (const ts of [...tsFiles].sort()) {
    if (isGenerated(ts) && !files.has(ts)) continue; // a stale generated module: it goes away
    const code = files.get(ts) ?? fs.readFileSync(path.join(root, ts), "utf8");
    const isEntry = path.posix.dirname(ts) === FOLDER && /export\s+async\s+function\s+main\s*\(/.test(code);
    const lockFile = ts.replace(/\.ts$/, ".script.lock");
    if (isEntry) files.set(lockFile, lock);
    try {
      files.set(ts.replace(/\.ts$/, ".script.yaml"), toWindmillYaml(scriptMetadata(code, isEntry ? { lock: `!inline ${lockFile}`, tag } : {})));
    } catch (e) {
      throw new Error(`${ts}: ${(e as Error).message}`);
    }
  }
  const stale = onDisk.filter((p) => isGenerated(p) && !files.has(p));
  return { files: new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1))), stale, batches: configs, flows };
}

/** Paths whose content on disk differs from the plan (new, changed or stale). */
export function drift(root: string, p: Plan): string[] {
  const out: string[] = [];
  for (const [rel, text] of p.files) {
    const full = path.join(root, rel);
    if (!fs.existsSync(full) || fs.readFileSync(full, "utf8") !== text) out.push(rel);
  }
  return [...out, ...p.stale].sort();
}

/** Write the plan: changed files are rewritten, stale generated files deleted. Returns what changed. */
export function writePlan(root: string, p: Plan): string[] {
  const changed = drift(root, p);
  for (const rel of changed) {
    const full = path.join(root, rel);
    if (p.files.has(rel)) {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, p.files.get(rel)!);
    } else {
      fs.rmSync(full);
    }
  }
  // Folders left empty by deletions go too.
  for (const rel of p.stale) {
    for (
      let dir = path.dirname(path.join(root, rel));
      dir.startsWith(path.join(root, FOLDER)) && fs.existsSync(dir) && fs.readdirSync(dir).length === 0;
      dir = path.dirname(dir)
    ) {
      fs.rmdirSync(dir);
    }
  }
  return changed;
}

/** The CLI entry: generate, or with `check` only report drift. Returns the process exit code. */
export function runGenerate(opts: GenerateOptions & { check?: boolean; print?: (line: string) => void }): number {
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const p = plan(opts);
  if (opts.check) {
    const stale = drift(opts.root, p);
    if (stale.length === 0) {
      print(`generated files are up to date (${p.files.size} files, ${p.flows.length} flows for ${p.batches.length} batches)`);
      return 0;
    }
    print(`${stale.length} generated file(s) are stale; run \`npm run generate\`:`);
    for (const s of stale) print(`  ${s}`);
    return 1;
  }
  const changed = writePlan(opts.root, p);
  print(`generated ${p.flows.length} flows for ${p.batches.length} batches; ${changed.length} file(s) changed`);
  for (const c of changed) print(`  ${p.files.has(c) ? "wrote" : "deleted"} ${c}`);
  return 0;
}
