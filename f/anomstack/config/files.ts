// File-level helpers of the config loader: finding batch YAML files under the metrics folder
// (sorted, deterministic) and reading one YAML file as a top-level mapping with located errors.
//nobundling
import path from "node:path";
import { parseDocument } from "yaml";
import type { MetricsSource } from "./source.ts";
import { ConfigError } from "./errors.ts";
import { describeValue } from "./issues.ts";

/** A plain YAML mapping. */
export type YamlMap = Record<string, unknown>;

/**
 * Lists every `*.yaml` / `*.yml` file of the metrics folder except under `<metricsDir>/defaults`
 * (and `<metricsDir>/examples` if `skipExamples`), depth-first in sorted name order.
 * Hidden entries (names starting with ".") and `node_modules` are skipped.
 */
export function listBatchFiles(src: MetricsSource, skipExamples: boolean): string[] {
  const metricsDir = src.root;
  const skipDirs = new Set([path.join(metricsDir, "defaults")]);
  if (skipExamples) skipDirs.add(path.join(metricsDir, "examples"));
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of src.list(dir)) {
      if (name.startsWith(".") || name === "node_modules") continue;
      const full = path.join(dir, name);
      const kind = src.kind(full);
      if (kind === "dir") {
        if (!skipDirs.has(full)) walk(full);
      } else if (kind === "file" && /\.ya?ml$/i.test(name)) {
        out.push(full);
      }
    }
  };
  walk(metricsDir);
  return out;
}

/** Reads `file` and returns its top-level mapping; throws ConfigError with file:line:col on YAML errors. */
export function readYamlMapping(src: MetricsSource, file: string): YamlMap {
  let source: string;
  try {
    source = src.read(file);
  } catch (err) {
    throw new ConfigError({ file, message: `cannot read file: ${err instanceof Error ? err.message : String(err)}` });
  }
  // The same text parses to the same mapping: a process that loads a batch many times (a sharded run in
  // one process: each shard loads it) parses each file once, and gets its own copy each time.
  const key = `${file}\0${source}`;
  const parsed = parsedYaml.get(key);
  if (parsed) return structuredClone(parsed);
  const doc = parseDocument(source, { prettyErrors: true, merge: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const short = first.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "");
    throw new ConfigError({ file, line: pos?.line, col: pos?.col, message: `YAML syntax error: ${short}` });
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (err) {
    // e.g. the yaml library's refusal of an alias bomb ("excessive alias count")
    throw new ConfigError({ file, message: `cannot read the YAML: ${err instanceof Error ? err.message : String(err)}` });
  }
  if (value === null || value === undefined) {
    throw new ConfigError({ file, message: "file is empty; expected a YAML mapping (key: value lines)" });
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError({ file, message: `expected a YAML mapping (key: value lines) at the top level, got ${describeValue(value)}` });
  }
  if (parsedYaml.size >= PARSED_YAML_MAX) parsedYaml.clear();
  parsedYaml.set(key, structuredClone(value as YamlMap));
  return value as YamlMap;
}

const parsedYaml = new Map<string, YamlMap>();
const PARSED_YAML_MAX = 256;
