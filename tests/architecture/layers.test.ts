// The folders of f/anomstack are layers (f/anomstack/README.md): a folder imports only from the
// folders below it, so the ground utilities never depend on a job and the jobs never on the stage
// runner. This reads every relative import of f/ and checks it against the table, so an import that
// runs back up a layer fails here with the file and the import named.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_DIR } from "../helpers/workspace.ts";

const F = path.join(REPO_DIR, "f/anomstack");

/** What each folder of f/anomstack may import besides itself ("." = the entry scripts at the top). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  ml: ["core"],
  // the config is validated against the models' names and parameters (ml/model-params.ts)
  config: ["core", "ml"],
  store: ["core", "config"],
  rules: ["core", "ml"],
  alerts: ["core", "config", "ml", "rules"],
  charts: ["core", "config", "alerts"],
  llm: ["core", "config", "store", "alerts"],
  generated: ["core", "config"],
  jobs: ["core", "config", "ml", "store", "rules", "alerts", "charts", "llm"],
  dashboard: ["core", "config", "store", "generated"],
  stages: ["core", "config", "store", "alerts", "jobs", "generated"],
  ".": ["core", "config", "jobs", "stages", "dashboard"],
};

/** The folders that hold our TypeScript (the raw app and the generated flows are not imported by code). */
function sourceFiles(dir = F): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name.endsWith(".raw_app") || e.name === "batches" ? [] : sourceFiles(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** The top folder of f/anomstack a file lives in ("." for the entry scripts). */
function layerOf(file: string): string {
  const rel = path.relative(F, file).split(path.sep);
  return rel.length === 1 ? "." : rel[0];
}

function relativeImports(code: string): string[] {
  return [...code.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]);
}

describe("layers of f/anomstack", () => {
  const files = sourceFiles();

  it("every folder is in the table", () => {
    expect([...new Set(files.map(layerOf))].filter((l) => !(l in MAY_IMPORT))).toEqual([]);
  });

  it("no import runs from a lower layer to a higher one, and nothing in f/ imports from outside it", () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const spec of relativeImports(fs.readFileSync(file, "utf8"))) {
        const target = path.resolve(path.dirname(file), spec);
        const rel = path.relative(F, target);
        if (rel.startsWith("..")) {
          wrong.push(`${path.relative(REPO_DIR, file)} imports ${spec}, outside f/anomstack (Windmill workers only have f/)`);
          continue;
        }
        const to = layerOf(target);
        if (to !== from && !MAY_IMPORT[from].includes(to)) wrong.push(`${path.relative(REPO_DIR, file)} (${from}) imports ${spec} (${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("the table itself has no cycle", () => {
    const seen = new Set<string>();
    const visit = (l: string, trail: string[]): void => {
      if (trail.includes(l)) throw new Error(`cycle: ${[...trail, l].join(" → ")}`);
      if (seen.has(l)) return;
      for (const below of MAY_IMPORT[l]) visit(below, [...trail, l]);
      seen.add(l);
    };
    for (const l of Object.keys(MAY_IMPORT)) visit(l, []);
    expect(seen.size).toBe(Object.keys(MAY_IMPORT).length);
  });
});
