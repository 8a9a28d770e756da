// Offline checks of the Windmill workspace under f/, beyond what `wmill lint` and the YAML validator
// check: unknown keys (the validator's schemas allow any), six-field crons and IANA time zones, `!inline`
// files that exist, script and flow paths that resolve, `results.<id>` that refer to earlier steps,
// and step inputs that match the target script's parameters (none unknown, every required one given).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { CronExpressionParser } from "cron-parser";
import { parse as parseYaml } from "yaml";
import { isTimeZone } from "../../f/anomstack/config/schema.ts";
import { scriptAnnotations } from "./script-metadata.ts";

const require = createRequire(import.meta.url);
const { WindmillYamlValidator, getValidationTargetFromFilename } = require("windmill-yaml-validator") as {
  WindmillYamlValidator: new () => { validate(text: string, target: unknown): { errors: { instancePath: string; message?: string }[] } };
  getValidationTargetFromFilename(file: string): unknown;
};
const GEN = path.dirname(require.resolve("windmill-yaml-validator/dist/gen/openflow.json"));
const openflow = JSON.parse(fs.readFileSync(path.join(GEN, "openflow.json"), "utf8"));
const scheduleSchema = JSON.parse(fs.readFileSync(path.join(GEN, "schedule.json"), "utf8"));
const httpSchema = JSON.parse(fs.readFileSync(path.join(GEN, "triggers", "http.json"), "utf8"));

export interface Problem {
  file: string;
  message: string;
}

type Schema = Record<string, any>;

function walkFiles(root: string, rel: string): string[] {
  const dir = path.join(root, rel);
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const r = `${rel}/${name}`;
    if (fs.statSync(path.join(root, r)).isDirectory()) {
      if (!name.endsWith(".raw_app") && name !== "node_modules") out.push(...walkFiles(root, r));
    } else out.push(r);
  }
  return out;
}

function deref(schema: Schema, doc: Schema): Schema {
  let s = schema;
  while (s?.$ref) {
    const parts = String(s.$ref).replace(/^#\//, "").split("/");
    s = parts.reduce((acc: Schema, p) => acc?.[p], doc);
  }
  return s ?? {};
}

/** Keys present in `value` that its schema does not know, as JSON paths. */
export function unknownKeys(value: unknown, schema: Schema, doc: Schema, at = ""): string[] {
  const s = deref(schema, doc);
  if (Array.isArray(value)) return s.items ? value.flatMap((v, i) => unknownKeys(v, s.items, doc, `${at}/${i}`)) : [];
  if (!value || typeof value !== "object") return [];
  const obj = value as Record<string, unknown>;
  const branches: Schema[] = s.oneOf ?? s.anyOf;
  if (branches) {
    // Pick the branch whose `type` discriminator matches, else the one with the fewest unknown keys.
    const candidates = branches.map((b) => deref(b, doc));
    const byType = candidates.find((b) => {
      const t = b.properties?.type;
      return t && "type" in obj && (t.const === obj.type || t.enum?.includes(obj.type));
    });
    if (byType) return unknownKeys(value, byType, doc, at);
    const scored = candidates.map((b) => unknownKeys(value, b, doc, at));
    return scored.reduce((best, x) => (x.length < best.length ? x : best));
  }
  const props: Record<string, Schema> = { ...(s.properties ?? {}) };
  for (const part of s.allOf ?? []) Object.assign(props, deref(part, doc).properties ?? {});
  const extra = s.additionalProperties;
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (props[k]) out.push(...unknownKeys(v, props[k], doc, `${at}/${k}`));
    else if (extra && typeof extra === "object") out.push(...unknownKeys(v, extra, doc, `${at}/${k}`));
    else if (!extra && Object.keys(props).length > 0) out.push(`${at}/${k}`);
  }
  return out;
}

interface ModuleLike {
  id: string;
  value: Record<string, any>;
  skip_if?: { expr: string };
  [k: string]: unknown;
}

/** Every expression string of a module's own settings (not of nested modules). */
function moduleExprs(m: ModuleLike): string[] {
  const out: string[] = [];
  const collect = (t: any) => {
    if (t && typeof t === "object" && t.type === "javascript" && typeof t.expr === "string") out.push(t.expr);
  };
  for (const t of Object.values(m.value.input_transforms ?? {})) collect(t);
  collect(m.value.iterator);
  collect(m.value.parallelism);
  collect(m.timeout);
  if (m.skip_if?.expr) out.push(m.skip_if.expr);
  for (const b of m.value.branches ?? []) if (b.expr) out.push(b.expr);
  return out;
}

/** Parameters of a script, from its `.script.yaml` (name → required?). */
function scriptParams(root: string, scriptPath: string): Map<string, boolean> | undefined {
  const meta = path.join(root, `${scriptPath}.script.yaml`);
  if (!fs.existsSync(meta)) return undefined;
  const schema = parseYaml(fs.readFileSync(meta, "utf8"))?.schema ?? {};
  const required = new Set<string>(schema.required ?? []);
  return new Map(Object.keys(schema.properties ?? {}).map((k) => [k, required.has(k)]));
}

function flowParams(root: string, flowPath: string): Map<string, boolean> | undefined {
  const file = path.join(root, `${flowPath}.flow`, "flow.yaml");
  if (!fs.existsSync(file)) return undefined;
  const schema = parseYaml(fs.readFileSync(file, "utf8"))?.schema ?? {};
  const required = new Set<string>(schema.required ?? []);
  return new Map(Object.keys(schema.properties ?? {}).map((k) => [k, required.has(k)]));
}

function checkFlow(root: string, file: string, flow: any, problems: Problem[]): void {
  const say = (message: string) => problems.push({ file, message });
  const flowDir = path.dirname(path.join(root, file));
  const ids = new Set<string>();
  const visit = (modules: ModuleLike[], visible: Set<string>, inLoop: boolean) => {
    const seen = new Set(visible);
    for (const m of modules ?? []) {
      if (ids.has(m.id)) say(`step id "${m.id}" is used twice`);
      ids.add(m.id);
      for (const expr of moduleExprs(m)) {
        for (const [, ref] of expr.matchAll(/results\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
          if (!seen.has(ref)) say(`step ${m.id}: results.${ref} does not refer to an earlier step`);
        }
        if (/flow_input\.iter\b/.test(expr) && !inLoop) say(`step ${m.id}: flow_input.iter is only defined inside a for-loop`);
      }
      const v = m.value;
      for (const k of ["content", "lock"]) {
        const ref = typeof v[k] === "string" ? /^!inline (.+)$/.exec(v[k]) : null;
        if (ref && !fs.existsSync(path.join(flowDir, ref[1]))) say(`step ${m.id}: ${k} refers to the missing file ${ref[1]}`);
      }
      if (v.type === "script" || v.type === "flow") {
        const params = v.type === "script" ? scriptParams(root, v.path) : flowParams(root, v.path);
        const target = v.type === "script" ? `${v.path}.ts` : `${v.path}.flow/flow.yaml`;
        if (!fs.existsSync(path.join(root, target))) say(`step ${m.id}: ${v.type} ${v.path} does not exist (${target})`);
        else if (!params) say(`step ${m.id}: ${v.path} has no .script.yaml to check its inputs against`);
        else {
          const given = Object.keys(v.input_transforms ?? {});
          for (const k of given) if (!params.has(k)) say(`step ${m.id}: input "${k}" is not a parameter of ${v.path}`);
          for (const [k, req] of params) if (req && !given.includes(k)) say(`step ${m.id}: required input "${k}" of ${v.path} is not given`);
        }
      }
      if (v.type === "forloopflow" || v.type === "whileloopflow") visit(v.modules, seen, true);
      for (const b of v.branches ?? []) visit(b.modules, seen, inLoop);
      if (v.default) visit(v.default, seen, inLoop);
      seen.add(m.id);
    }
  };
  visit(flow?.value?.modules ?? [], new Set(), false);
  if (flow?.value?.failure_module) {
    if (flow.value.failure_module.id !== "failure") say(`the failure module's id must be "failure"`);
    // Windmill also runs the failure module inside a failed for-loop iteration (worker_flow.rs: each
    // iteration is a sub-flow with the flow's failure module), where flow_input.iter is set.
    visit([flow.value.failure_module], new Set(ids), true);
  }
}

/**
 * An entry script must carry its lock: with an empty one the server runs a dependency job that pins
 * every package to "latest" (worker_lockfiles.rs) and can fail on push order; the lock must be the
 * `package.json` + `//bun.lock` + bun.lock text the worker splits (bun_executor.rs `split_lockfile`).
 */
function checkEntryLock(root: string, file: string, say: (m: string) => void): void {
  const meta = parseYaml(fs.readFileSync(path.join(root, file), "utf8")) as { lock?: string; no_main_func?: boolean };
  if (meta.no_main_func) return;
  const ref = typeof meta.lock === "string" ? /^!inline (.+)$/.exec(meta.lock) : null;
  if (!ref) {
    say("has no lock: the server would lock its packages at their latest versions (run npm run generate)");
    return;
  }
  const lockFile = path.join(root, ref[1]);
  if (!fs.existsSync(lockFile)) {
    say(`lock refers to the missing file ${ref[1]}`);
    return;
  }
  const [pkg, bunLock] = fs.readFileSync(lockFile, "utf8").split("\n//bun.lock\n");
  if (bunLock === undefined) {
    say(`${ref[1]} has no //bun.lock line between its package.json and its bun.lock`);
    return;
  }
  try {
    const deps = (JSON.parse(pkg) as { dependencies?: Record<string, string> }).dependencies ?? {};
    const floating = Object.entries(deps).filter(([, v]) => !/^\d+\.\d+\.\d+/.test(v));
    if (floating.length) say(`${ref[1]} does not pin ${floating.map(([k, v]) => `${k}@${v}`).join(", ")} to an exact version`);
    JSON.parse(bunLock.replace(/,(\s*[}\]])/g, "$1")); // bun.lock is JSON with trailing commas
  } catch (e) {
    say(`${ref[1]} is not a package.json and a bun.lock: ${(e as Error).message}`);
  }
}

function targetExists(root: string, scriptPath: string, isFlow: boolean): boolean {
  return fs.existsSync(path.join(root, isFlow ? `${scriptPath}.flow/flow.yaml` : `${scriptPath}.ts`));
}

/** Every problem found in the workspace files under `<root>/f`. */
export function verifyWorkspace(root: string): Problem[] {
  const problems: Problem[] = [];
  const validator = new WindmillYamlValidator();
  const files = walkFiles(root, "f");
  for (const file of files) {
    const say = (message: string) => problems.push({ file, message });
    if (file.endsWith(".ts") && !file.endsWith(".test.ts") && !files.includes(file.replace(/\.ts$/, ".script.yaml"))) {
      say("has no .script.yaml (run npm run generate)");
    }
    if (file.endsWith(".ts") && !file.endsWith(".test.ts") && !scriptAnnotations(fs.readFileSync(path.join(root, file), "utf8")).has("nobundling")) {
      // bun_executor.rs prebundle_bun_script: Bun.build of the whole graph, which DuckDB's and resvg's native addons break
      say("would be bundled by Windmill's workers: add //nobundling to its leading // comment lines");
    }
    if (file.endsWith(".script.yaml") && path.posix.dirname(file) === "f/anomstack") checkEntryLock(root, file, say);
    const isFlow = file.endsWith(".flow/flow.yaml");
    const isSchedule = file.endsWith(".schedule.yaml");
    const isHttp = file.endsWith(".http_trigger.yaml");
    if (!isFlow && !isSchedule && !isHttp) continue;
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const target = getValidationTargetFromFilename(file);
    for (const e of validator.validate(text, target).errors) say(`schema: ${e.instancePath || "/"} ${e.message}`);
    const doc = parseYaml(text);
    const [schema, top] = isFlow
      ? [openflow, openflow.components.schemas.OpenFlow]
      : isSchedule
        ? [scheduleSchema, scheduleSchema]
        : [httpSchema, httpSchema];
    for (const k of unknownKeys(doc, top, schema)) say(`unknown key ${k}`);
    if (isFlow) checkFlow(root, file, doc, problems);
    if (isSchedule || isHttp) {
      if (typeof doc.script_path !== "string" || !targetExists(root, doc.script_path, doc.is_flow === true)) {
        say(`script_path ${doc.script_path} does not resolve to a ${doc.is_flow ? "flow" : "script"} in the repository`);
      }
    }
    if (isSchedule) {
      const fields = String(doc.schedule ?? "")
        .trim()
        .split(/\s+/);
      if (fields.length !== 6) say(`schedule "${doc.schedule}" must have 6 fields (seconds first), has ${fields.length}`);
      else {
        try {
          CronExpressionParser.parse(fields.join(" "));
        } catch (e) {
          say(`schedule "${doc.schedule}" is not a valid cron expression: ${(e as Error).message}`);
        }
        if (/\d/.test(fields[5]))
          say(`schedule "${doc.schedule}": write days of the week as names (MON-FRI), Windmill numbers them differently from Unix cron`);
      }
      if (!isTimeZone(String(doc.timezone))) say(`timezone "${doc.timezone}" is not an IANA time zone`);
    }
    if (isHttp && String(doc.route_path ?? "").startsWith("/")) say(`route_path must not start with "/"`);
  }
  return problems;
}
