// File-level helpers of the config loader: finding batch YAML files under the metrics folder
// (sorted, deterministic) and reading one YAML file as a top-level mapping with located errors.
import fs from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { ConfigError } from "./errors.ts";
import { describeValue } from "./issues.ts";

/** A plain YAML mapping. */
export type YamlMap = Record<string, unknown>;

/**
 * Lists every `*.yaml` / `*.yml` file under `metricsDir` except under `<metricsDir>/defaults`
 * (and `<metricsDir>/examples` if `skipExamples`), depth-first in sorted name order.
 * Hidden entries (names starting with ".") and `node_modules` are skipped.
 */
export function listBatchFiles(metricsDir: string, skipExamples: boolean): string[] {
  const skipDirs = new Set([path.join(metricsDir, "defaults")]);
  if (skipExamples) skipDirs.add(path.join(metricsDir, "examples"));
  const out: string[] = [];
  const walk = (dir: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const full = path.join(dir, entry.name);
      const stat = entry.isSymbolicLink() ? fs.statSync(full, { throwIfNoEntry: false }) : entry;
      if (!stat) continue;
      if (stat.isDirectory()) {
        if (!skipDirs.has(full)) walk(full);
      } else if (stat.isFile() && /\.ya?ml$/i.test(entry.name)) {
        out.push(full);
      }
    }
  };
  walk(metricsDir);
  return out;
}

/** Reads `file` and returns its top-level mapping; throws ConfigError with file:line:col on YAML errors. */
export function readYamlMapping(file: string): YamlMap {
  let source: string;
  try {
    source = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError({ file, message: `cannot read file: ${err instanceof Error ? err.message : String(err)}` });
  }
  const doc = parseDocument(source, { prettyErrors: true, merge: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const short = first.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "");
    throw new ConfigError({ file, line: pos?.line, col: pos?.col, message: `YAML syntax error: ${short}` });
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) {
    throw new ConfigError({ file, message: "file is empty; expected a YAML mapping (key: value lines)" });
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError({ file, message: `expected a YAML mapping (key: value lines) at the top level, got ${describeValue(value)}` });
  }
  return value as YamlMap;
}
