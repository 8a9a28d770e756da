// `.script.yaml` of every TypeScript file under f/: for a stage script, the input schema Windmill's own
// parser derives from `main` (windmill-parser-wasm-ts + windmill-utils-internal, as `wmill
// generate-metadata` does), with parameter descriptions taken from the JSDoc `@param` lines of `main`;
// for a shared module without `main`, the library form (`no_main_func: true`).
import fs from "node:fs";
import { createRequire } from "node:module";
import * as parser from "windmill-parser-wasm-ts";

const require = createRequire(import.meta.url);
// Both are loaded on first use: `anomstack run` parses a few signatures and never writes a schema.
let parserReady = false;
function windmillParser(): typeof parser {
  if (!parserReady) parser.initSync({ module: fs.readFileSync(require.resolve("windmill-parser-wasm-ts/windmill_parser_wasm_bg.wasm")) });
  parserReady = true;
  return parser;
}
type ArgSigToJsonSchemaType = (typ: unknown, schema: Record<string, unknown>) => void;
let toJsonSchemaType: ArgSigToJsonSchemaType | undefined;
function argSigToJsonSchemaType(typ: unknown, schema: Record<string, unknown>): void {
  toJsonSchemaType ??= (require("windmill-utils-internal") as { argSigToJsonSchemaType: ArgSigToJsonSchemaType }).argSigToJsonSchemaType;
  toJsonSchemaType(typ, schema);
}

export interface ArgSig {
  name: string;
  typ: unknown;
  default: unknown;
  has_default: boolean;
  otyp: string | null;
}

interface ParsedSignature {
  type?: string;
  args: ArgSig[];
  auto_kind: string | null;
  has_preprocessor: boolean;
}

/** Windmill's parse of a TypeScript script (what the server and CLI run on `main`). */
export function parseSignature(code: string): ParsedSignature {
  return JSON.parse(windmillParser().parse_deno(code)) as ParsedSignature;
}

const SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema";

/** The annotations a Bun script's leading `//` lines may hold (windmill-common worker.rs `TypeScriptAnnotations`). */
export const ANNOTATIONS: ReadonlySet<string> = new Set(["npm", "nodejs", "native", "nobundling"]);

/**
 * The annotations of a Bun script as Windmill's worker reads them: the `//` lines from the first line
 * on (the first other line ends them), each the whole trimmed text after `//`.
 * @example scriptAnnotations("// Train.\n//nobundling\nimport x from 'y';") // => Set { "nobundling" }
 */
export function scriptAnnotations(code: string): Set<string> {
  const found = new Set<string>();
  for (const line of code.split("\n")) {
    if (!line.startsWith("//")) break;
    const key = line.slice(2).trim();
    if (ANNOTATIONS.has(key)) found.add(key);
  }
  return found;
}

/**
 * The input schema of `main`, built exactly like the CLI's `inferSchema` from an empty schema, with
 * `descriptions` (by parameter) filled in where the CLI would keep the ones already in `.script.yaml`.
 */
export function inferMainSchema(code: string, descriptions: Record<string, string> = {}): Record<string, unknown> {
  const sig = parseSignature(code);
  if (sig.type === "Invalid") throw new Error("Windmill's parser cannot parse this script");
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  for (const arg of sig.args) {
    const prop: Record<string, unknown> = { description: descriptions[arg.name] ?? "", type: "" };
    argSigToJsonSchemaType(arg.typ, prop);
    if (arg.otyp?.includes("[") && arg.otyp.includes("|")) prop.originalType = arg.otyp;
    prop.default = arg.default ?? undefined;
    for (const k of Object.keys(prop)) if (prop[k] === undefined) delete prop[k];
    properties[arg.name] = prop;
    if (!arg.has_default) required.push(arg.name);
  }
  return { $schema: SCHEMA_URL, type: "object", properties, required };
}

/** `@param name text` lines of the JSDoc block right above `export async function main`. */
export function mainParamDocs(code: string): Record<string, string> {
  const m = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export\s+(?:async\s+)?function\s+main\s*\(/.exec(code);
  if (!m) return {};
  const out: Record<string, string> = {};
  const lines = m[1].split("\n").map((l) => l.replace(/^\s*\*\s?/, ""));
  let current: string | undefined;
  for (const line of lines) {
    const p = /^@param\s+(\w+)\s+(.*)$/.exec(line.trim());
    if (p) {
      current = p[1];
      out[current] = p[2].trim();
    } else if (line.trim().startsWith("@")) {
      current = undefined;
    } else if (current && line.trim()) {
      out[current] = `${out[current]} ${line.trim()}`;
    }
  }
  return out;
}

/**
 * The file's header comment (the `//` lines at the top): its first sentence is the summary (cut at its
 * first colon or semicolon when it runs long), the whole text the description.
 * @example headerComment("// Shards: stable groups. Pure.\n").summary // => "Shards: stable groups."
 */
export function headerComment(code: string): { summary: string; description: string } {
  const lines: string[] = [];
  for (const line of code.split("\n")) {
    const m = /^\/\/\s?(.*)$/.exec(line);
    if (!m) break;
    // Windmill's annotations (`//nobundling`, ...) are instructions to the worker, not prose
    if (!ANNOTATIONS.has(m[1].trim())) lines.push(m[1].trim());
  }
  const text = lines.join(" ").replace(/\s+/g, " ").trim();
  // a sentence ends at ". " (not inside "e.g. " or a file name such as "jobs/x.ts ")
  const end = /[.!?](?=\s+[A-Z`(]|$)/.exec(text);
  let summary = end ? text.slice(0, end.index + 1) : text;
  if (summary.length > 120) {
    const cut = /[:;](?=\s)/.exec(summary);
    if (cut && cut.index > 20) summary = summary.slice(0, cut.index);
  }
  return { summary, description: text };
}

/**
 * The `.script.yaml` content (as an object) of one TypeScript file. `lock`: the script's lock (an
 * `!inline <file>` reference); libraries have none (they are imported, never run on their own).
 * `tag`: the worker tag the script runs with.
 */
export function scriptMetadata(code: string, opts: { lock?: string; tag?: string } = {}): Record<string, unknown> {
  const { summary, description } = headerComment(code);
  const sig = parseSignature(code);
  if (sig.auto_kind === "lib" || !/export\s+(async\s+)?function\s+main\s*\(/.test(code)) {
    return {
      summary,
      description,
      lock: "",
      kind: "script",
      no_main_func: true,
      schema: { $schema: SCHEMA_URL, type: "object", properties: {}, required: [] },
    };
  }
  const meta: Record<string, unknown> = { summary, description, lock: opts.lock ?? "", kind: "script" };
  if (opts.tag) meta.tag = opts.tag;
  if (sig.has_preprocessor) meta.has_preprocessor = true;
  meta.schema = inferMainSchema(code, mainParamDocs(code));
  return meta;
}
