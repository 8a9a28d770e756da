// Loads metric-batch configs: defaults.yaml <- batch YAML (deep merge) <- global env <- typed
// per-batch env overrides, then validates each batch against the one schema (synchronous).
//nobundling
import path from "node:path";
import { closest } from "fastest-levenshtein";
import { ConfigError, type ConfigIssue } from "./errors.ts";
import { batchEnvName, batchOverrides, ignoreExamples } from "./env.ts";
import { bundledModule, defaultMetricsRoot, diskSource, memorySource, sourceFor, type MetricsSource } from "./source.ts";
import { listBatchFiles, readYamlMapping, type YamlMap } from "./files.ts";
import { isOptionalAt } from "./introspect.ts";
import { describeValue, toConfigIssues, type KeyOrigin } from "./issues.ts";
import { BatchConfigSchema, DERIVED_KEYS, type BatchConfig } from "./schema.ts";
import { presetSettings } from "./presets.ts";
import type { Env } from "../core/env.ts";

export { resolveDuckdbLockTimeout, resolveDuckdbPath, resolveMetricsDir } from "./env.ts";

/** Where and how to load configs. */
export interface LoadOptions {
  /** Metrics folder; default env ANOMSTACK_METRICS_DIR or "./metrics" (resolved against the cwd). */
  metricsDir?: string;
  /** Environment for overrides; default process.env. */
  env?: Env;
  /** A metrics folder held in memory (paths relative to it → text) instead of one on disk. */
  files?: Readonly<Record<string, string>>;
  /**
   * Load every batch that is valid and list the broken ones in `broken`, instead of throwing for the
   * first (one team's bad YAML must not stop the other batches from running).
   */
  skipBroken?: boolean;
}

/** A batch file that could not be loaded, with every problem found in it. */
export interface BrokenBatch {
  file: string;
  /** Its metric_batch, when the file got that far. */
  batch?: string;
  error: ConfigError;
}

/** Every enabled batch of a metrics folder. */
export interface LoadedConfig {
  /** Absolute metrics folder. */
  metricsDir: string;
  /** Enabled batches by metric_batch, sorted by name. */
  batches: Map<string, BatchConfig>;
  /** Names of batches switched off with disable_batch (after env overrides), sorted. */
  disabled: string[];
  /** The same batches with why they are off and how to switch them on, sorted by name. */
  disabledBatches: DisabledBatch[];
  /** Batch files with problems (only with `skipBroken`; else loading throws), by file. */
  broken: BrokenBatch[];
}

/** A batch switched off with `disable_batch` (its config is not validated). */
export interface DisabledBatch {
  name: string;
  /** Its YAML file. */
  file: string;
  /** Where `disable_batch: true` comes from: the batch YAML, defaults.yaml or an env variable (its name). */
  disabledBy: { kind: "batch" | "defaults"; file: string } | { kind: "env"; name: string };
  /** The variable that switches it on: `ANOMSTACK__<BATCH>__DISABLE_BATCH=false`. */
  enableWith: string;
  description?: string;
  /** `requires_env` of the batch, and which of them are not set in the environment. */
  requiresEnv: string[];
  missingEnv: string[];
  requiresNetwork: boolean;
  db?: string;
}

interface Source {
  file: string;
  raw: YamlMap;
  name: string;
}

interface Scan {
  src: MetricsSource;
  metricsDir: string;
  env: Env;
  defaults: { file: string; raw: YamlMap };
  sources: Source[];
  issues: ConfigIssue[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep merge: nested mappings merge key by key, everything else (lists, scalars, null) is replaced. */
function deepMerge(base: Record<string, unknown>, overlay: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function scan(opts: LoadOptions): Scan {
  const env = opts.env ?? process.env;
  const src = opts.files
    ? memorySource(opts.files, opts.metricsDir ? path.resolve(opts.metricsDir) : undefined)
    : opts.metricsDir
      ? diskSource(path.resolve(opts.metricsDir))
      : sourceFor(defaultMetricsRoot(env));
  const metricsDir = src.root;
  if (src.kind(metricsDir) !== "dir") {
    throw new ConfigError({ file: metricsDir, message: "metrics folder not found (set ANOMSTACK_METRICS_DIR or pass metricsDir)" });
  }
  const defaultsFile = path.join(metricsDir, "defaults", "defaults.yaml");
  if (src.kind(defaultsFile) !== "file") {
    throw new ConfigError({ file: defaultsFile, message: "defaults file not found; every metrics folder needs defaults/defaults.yaml" });
  }
  const defaultsRaw = readYamlMapping(src, defaultsFile);
  for (const key of ["metric_batch", ...DERIVED_KEYS]) {
    if (key in defaultsRaw) throw new ConfigError({ file: defaultsFile, key, message: "may not be set in defaults.yaml" });
  }
  const sources: Source[] = [];
  const issues: ConfigIssue[] = [];
  const firstFile = new Map<string, string>();
  for (const file of listBatchFiles(src, ignoreExamples(env))) {
    let raw: YamlMap;
    try {
      raw = readYamlMapping(src, file);
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
      continue;
    }
    const name = raw.metric_batch;
    if (name === undefined || name === null) {
      issues.push({ file, key: "metric_batch", message: "required key is missing; every batch YAML must set metric_batch" });
    } else if (typeof name !== "string" || name.trim() === "") {
      issues.push({ file, key: "metric_batch", message: `expected a non-empty string, got ${describeValue(name)}` });
    } else if (firstFile.has(name)) {
      issues.push({ file, batch: name, message: `duplicate metric_batch "${name}": also defined in ${firstFile.get(name)}` });
    } else {
      firstFile.set(name, file);
      sources.push({ file, raw, name });
    }
  }
  return { src, metricsDir, env, defaults: { file: defaultsFile, raw: defaultsRaw }, sources, issues };
}

/** Merges, overrides and validates one batch; `disabled` batches are not schema-validated. */
function resolve(src: Source, s: Scan): { config?: BatchConfig; disabled?: DisabledBatch; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const origins = new Map<string, KeyOrigin>();
  for (const k of Object.keys(s.defaults.raw)) origins.set(k, { kind: "defaults", file: s.defaults.file });
  for (const k of Object.keys(src.raw)) origins.set(k, { kind: "batch" });
  for (const key of DERIVED_KEYS) {
    if (key in src.raw) issues.push({ file: src.file, batch: src.name, key, message: "is set by the loader and cannot be configured" });
  }
  // The detector preset (named by an env override, the batch YAML or defaults.yaml) lies between the
  // defaults and the batch YAML, so the batch's own keys still win.
  const presetOverride = batchOverrides(src.name, s.env, src.file).overrides.find((o) => o.key === "detector_preset");
  const preset = presetSettings(presetOverride ? presetOverride.value : (src.raw.detector_preset ?? s.defaults.raw.detector_preset));
  let merged = deepMerge(deepMerge(structuredClone(s.defaults.raw), preset ?? {}), src.raw);

  const modelPath = s.env.ANOMSTACK_MODEL_PATH;
  if (modelPath) {
    merged.model_path = modelPath;
    origins.set("model_path", { kind: "env", name: "ANOMSTACK_MODEL_PATH" });
  }
  const tableKey = s.env.ANOMSTACK_TABLE_KEY;
  if (tableKey && !("table_key" in src.raw)) {
    merged.table_key = tableKey;
    origins.set("table_key", { kind: "env", name: "ANOMSTACK_TABLE_KEY" });
  }
  const env = batchOverrides(src.name, s.env, src.file);
  issues.push(...env.issues);
  // Two batches whose names give one variable prefix (sales-eu, sales.eu → SALES_EU) would both take
  // the same overrides: say so instead of applying them to both.
  const sharing = s.sources.filter((o) => o.name !== src.name && batchEnvName(o.name) === batchEnvName(src.name)).map((o) => o.name);
  if (sharing.length > 0 && env.overrides.length > 0) {
    const names = env.overrides.map((o) => o.name).join(", ");
    issues.push({
      file: src.file,
      batch: src.name,
      message: `env ${names} also match${env.overrides.length === 1 ? "es" : ""} batch ${sharing.map((n) => `"${n}"`).join(", ")} (both become ${batchEnvName(src.name)} in variable names): rename one of the batches`,
    });
    return { issues };
  }
  for (const o of env.overrides) {
    const current = merged[o.key];
    merged = { ...merged, [o.key]: isPlainObject(o.value) && isPlainObject(current) ? deepMerge(current, o.value) : o.value };
    origins.set(o.key, { kind: "env", name: o.name });
  }
  for (const [k, v] of Object.entries(merged)) if (v === null && isOptionalAt([k])) delete merged[k];

  // Evaluated after env overrides, so ANOMSTACK__<BATCH>__DISABLE_BATCH can toggle it; a non-boolean
  // value is reported by the schema below.
  if (merged.disable_batch === true) return { disabled: disabledInfo(src, s, merged, origins.get("disable_batch")), issues };

  merged.metrics_dir = s.metricsDir;
  merged.source_file = src.file;
  merged.source_dir = path.dirname(src.file);
  const result = BatchConfigSchema.safeParse(merged, { reportInput: true });
  if (!result.success) issues.push(...toConfigIssues(result.error.issues, { file: src.file, batch: src.name, origins }));

  const fn = merged.ingest_fn;
  if (typeof fn === "string" && fn !== "") {
    const target = path.resolve(path.dirname(src.file), fn);
    const problem = !fn.endsWith(".ts")
      ? `must name a .ts module, got "${fn}"`
      : s.src.kind(target) !== "file"
        ? `file not found: ${target}`
        : undefined;
    if (problem) issues.push({ file: src.file, batch: src.name, key: "ingest_fn", message: problem });
  }
  const hook = merged.preprocess_fn;
  if (typeof hook === "string" && hook !== "") {
    const problem = preprocessFnProblem(s.src, path.resolve(path.dirname(src.file), hook), hook);
    if (problem) issues.push({ file: src.file, batch: src.name, key: "preprocess_fn", message: problem });
  }
  return issues.length > 0 || !result.success ? { issues } : { config: result.data, issues };
}

/** The name a `preprocess_fn` module must export. */
export const PREPROCESS_EXPORT = "preprocess";

/**
 * Why a `preprocess_fn` cannot be used, or undefined: it must name a .ts file that exists and exports a
 * function `preprocess` (a bundled module is inspected; a file on disk is read, since loading is synchronous).
 */
function preprocessFnProblem(src: MetricsSource, file: string, given: string): string | undefined {
  if (!given.endsWith(".ts")) return `must name a .ts module, got "${given}"`;
  if (src.kind(file) !== "file") return `file not found: ${file}`;
  const mod = bundledModule(file) as Record<string, unknown> | undefined;
  if (mod) return typeof mod[PREPROCESS_EXPORT] === "function" ? undefined : `${file} must export a function named "${PREPROCESS_EXPORT}"`;
  const code = src.read(file);
  const name = PREPROCESS_EXPORT;
  if (new RegExp(`export\\s+async\\s+function\\s+${name}\\b`).test(code)) {
    return `${file}: "${name}" must be synchronous (train, score and replay compute features in one pass); drop "async"`;
  }
  const exported =
    new RegExp(`export\\s+function\\s+${name}\\b`).test(code) ||
    new RegExp(`export\\s+(const|let|var)\\s+${name}\\b`).test(code) ||
    new RegExp(`export\\s*\\{[^}]*\\b${name}\\b[^}]*\\}`).test(code);
  return exported ? undefined : `${file} must export a function named "${name}" (export function ${name}(rows, params, ctx) { ... })`;
}

function disabledInfo(src: Source, s: Scan, merged: Record<string, unknown>, origin: KeyOrigin | undefined): DisabledBatch {
  const names = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const requiresEnv = names(merged.requires_env);
  return {
    name: src.name,
    file: src.file,
    disabledBy:
      origin?.kind === "env"
        ? origin
        : { kind: origin?.kind === "defaults" ? "defaults" : "batch", file: origin?.kind === "defaults" ? origin.file : src.file },
    enableWith: `ANOMSTACK__${batchEnvName(src.name)}__DISABLE_BATCH=false`,
    description: typeof merged.description === "string" ? merged.description : undefined,
    requiresEnv,
    missingEnv: requiresEnv.filter((n) => !s.env[n]),
    requiresNetwork: merged.requires_network === true,
    db: typeof merged.db === "string" ? merged.db : undefined,
  };
}

/**
 * Loads every batch of the metrics folder; throws one ConfigError listing every problem found, or with
 * `skipBroken` returns the valid batches and lists the broken files. A problem of defaults.yaml or of
 * the folder always throws: no batch can load without them.
 */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const s = scan(opts);
  const issues = [...s.issues];
  const batches = new Map<string, BatchConfig>();
  const disabledBatches: DisabledBatch[] = [];
  for (const src of [...s.sources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const r = resolve(src, s);
    issues.push(...r.issues);
    if (r.disabled) disabledBatches.push(r.disabled);
    else if (r.config) batches.set(src.name, r.config);
  }
  if (issues.length > 0 && !opts.skipBroken) throw new ConfigError(issues);
  return { metricsDir: s.metricsDir, batches, disabled: disabledBatches.map((d) => d.name), disabledBatches, broken: brokenFiles(issues) };
}

/** The issues grouped by file (the defaults file's problems are everyone's: they throw). */
function brokenFiles(issues: readonly ConfigIssue[]): BrokenBatch[] {
  const byFile = new Map<string, ConfigIssue[]>();
  for (const i of issues) {
    const file = i.file ?? "";
    byFile.set(file, [...(byFile.get(file) ?? []), i]);
  }
  return [...byFile]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([file, list]) => ({ file, batch: list.find((i) => i.batch)?.batch, error: new ConfigError(list) }));
}

/**
 * Loads one batch by metric_batch. Problems in other batch files are ignored unless they could
 * hide this batch (unknown name). Throws ConfigError for unknown or disabled batches.
 */
export function loadBatch(name: string, opts: LoadOptions = {}): BatchConfig {
  const s = scan(opts);
  const src = s.sources.find((x) => x.name === name);
  const duplicate = s.issues.find((i) => i.batch === name);
  if (duplicate) throw new ConfigError(duplicate);
  if (!src) {
    const known = s.sources.map((x) => x.name).sort();
    let message = `unknown metric batch "${name}"`;
    if (known.length === 0) message += `; no ${s.issues.length > 0 ? "valid " : ""}batch YAML found under ${s.metricsDir}`;
    else {
      const near = closest(name, known);
      message += `; did you mean "${near}"? Known batches: ${known.join(", ")}`;
    }
    throw new ConfigError([{ message }, ...s.issues]);
  }
  const r = resolve(src, s);
  if (r.issues.length > 0) throw new ConfigError(r.issues);
  if (r.disabled) {
    const by = r.disabled.disabledBy.kind === "env" ? `env ${r.disabled.disabledBy.name}` : r.disabled.disabledBy.file;
    throw new ConfigError({
      file: src.file,
      batch: name,
      message: `batch is disabled (disable_batch is true, from ${by}); switch it on with ${r.disabled.enableWith}`,
    });
  }
  return r.config as BatchConfig;
}

/** Absolute path of the batch's `ingest_fn` module (resolved against its YAML folder), or undefined for SQL ingest. */
export function ingestFnPath(cfg: BatchConfig): string | undefined {
  return cfg.ingest_fn ? path.resolve(cfg.source_dir, cfg.ingest_fn) : undefined;
}

/** Absolute path of the batch's `preprocess_fn` module, or undefined when it uses the default preprocessing. */
export function preprocessFnPath(cfg: BatchConfig): string | undefined {
  return cfg.preprocess_fn ? path.resolve(cfg.source_dir, cfg.preprocess_fn) : undefined;
}
