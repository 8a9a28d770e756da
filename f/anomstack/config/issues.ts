// Turns zod validation issues into readable ConfigIssues ("expected number, got string "high"",
// "unknown key, did you mean `x`?") and suggests the closest known key for typos.
//nobundling
import { closest, distance } from "fastest-levenshtein";
import type { z } from "zod";
import type { ConfigIssue } from "./errors.ts";
import { DERIVED_KEYS } from "./schema.ts";
import { isIntegerAt, keysAt } from "./introspect.ts";

/** Keys of the Python original that this port dropped on purpose, with what to do instead. */
const RETIRED_KEYS: Record<string, string> = {
  prompt_fn: "not supported in this port (it was unused in the original)",
  llmalert_anomaly_agent_system_prompt: "legacy key; use llmalert_anomaly_agent_detection_prompt",
};

/** Where a top-level key's value came from, to point the user at the right place. */
export type KeyOrigin = { kind: "defaults"; file: string } | { kind: "batch" } | { kind: "env"; name: string };

/** Describes a value for messages: `string "high"`, `number 2.5`, `null`, `array`, `mapping`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "list";
  if (typeof value === "object") return "mapping";
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  return `${typeof value} ${String(value)}`;
}

/** The closest candidate to `key` if it is a plausible typo of it, else undefined. */
export function suggestKey(key: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(key, candidates as string[]);
  const d = distance(key, best);
  return d <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

/** Message for a key that is not part of the schema at `parent` (e.g. [] or ["preprocess_params"]). */
export function unknownKeyMessage(key: string, parent: readonly PropertyKey[]): string {
  if (parent.length === 0 && RETIRED_KEYS[key]) return `unknown key: ${RETIRED_KEYS[key]}`;
  if (parent.length === 0 && (DERIVED_KEYS as readonly string[]).includes(key)) {
    return "is set by the loader and cannot be configured";
  }
  const candidates = keysAt(parent).filter((k) => !(DERIVED_KEYS as readonly string[]).includes(k));
  const hint = suggestKey(key, candidates);
  if (hint) return `unknown key, did you mean \`${hint}\`?`;
  // preprocess_params may carry keys of the batch's own, for its preprocess_fn.
  if (parent[parent.length - 1] === "preprocess_params") return "unknown key (keys of your own are read by a preprocess_fn; this batch has none)";
  return "unknown key";
}

/** Dotted display path: `preprocess_params.smooth_n`, `model_configs[0].model_tag`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

function expectedName(expected: string): string {
  return expected === "int" ? "integer" : expected === "object" ? "mapping" : expected === "array" ? "list" : expected;
}

function messageFor(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_type":
      if (input === undefined) return "required key is missing";
      if (issue.expected === "number" && isIntegerAt(issue.path)) return `expected integer, got ${describeValue(input)}`;
      return `expected ${expectedName(issue.expected)}, got ${describeValue(input)}`;
    case "invalid_value":
      return `invalid value ${typeof input === "string" ? JSON.stringify(input) : describeValue(input)}; expected one of: ${issue.values.map(String).join(", ")}`;
    case "too_small":
      if (issue.origin === "string") return "must not be empty";
      if (issue.origin === "array") return `must have at least ${String(issue.minimum)} item(s)`;
      return `must be ${issue.inclusive === false ? ">" : ">="} ${String(issue.minimum)}, got ${String(input)}`;
    case "too_big":
      return `must be ${issue.inclusive === false ? "<" : "<="} ${String(issue.maximum)}, got ${String(input)}`;
    case "invalid_union": {
      const expected = issue.errors.flatMap((branch) =>
        branch.filter((i) => i.code === "invalid_type" && i.path.length === 0).map((i) => expectedName((i as { expected: string }).expected)),
      );
      if (expected.length === issue.errors.length) {
        const list = expected.length > 1 ? `${expected.slice(0, -1).join(", ")} or ${expected[expected.length - 1]}` : expected[0];
        return `expected ${list}, got ${describeValue(input)}`;
      }
      return `invalid value ${describeValue(input)}`;
    }
    default:
      return issue.message;
  }
}

/** Context for converting the issues of one batch. */
export interface IssueContext {
  file?: string;
  batch?: string;
  origins?: Map<string, KeyOrigin>;
}

/** Converts zod issues of a batch config into ConfigIssues (one per unknown key). */
export function toConfigIssues(issues: readonly z.core.$ZodIssue[], ctx: IssueContext): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const push = (path: readonly PropertyKey[], message: string) => {
    const origin = path.length > 0 ? ctx.origins?.get(String(path[0])) : undefined;
    let file = ctx.file;
    if (origin?.kind === "defaults") file = origin.file;
    if (origin?.kind === "env") message += ` (value from env ${origin.name})`;
    out.push({ file, batch: ctx.batch, key: formatPath(path) || undefined, message });
  };
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) push([...issue.path, key], unknownKeyMessage(key, issue.path));
    } else {
      push(issue.path, messageFor(issue));
    }
  }
  return out;
}
