// The metrics folder as a TypeScript module under f/, so Windmill workers (which receive only f/) load
// the same YAML and SQL templates: its text files are embedded, and the batches' TypeScript modules
// (ingest_fn and preprocess_fn modules and what sits beside them) are copied under f/ and imported
// statically. A copied module's imports of f/anomstack (e.g. `import type` of core/batch-api.ts) are
// re-pointed from the copy's place.
import fs from "node:fs";
import path from "node:path";
import type { BatchConfig } from "../../f/anomstack/config/index.ts";
import { FOLDER } from "./paths.ts";

/** Text files of the metrics folder that templates and the loader may read. */
const EMBEDDED = /\.(ya?ml|sql|j2|jinja|txt)$/i;
/**
 * The annotation that runs a script unbundled on Windmill's Bun workers: a bundle cannot hold DuckDB's
 * and resvg's native addons (the worker's lock job would fail on them; bun_executor.rs
 * `prebundle_bun_script` skips scripts whose leading `//` lines include it).
 */
export const NOBUNDLING = "//nobundling";
/** Where batch TypeScript modules are copied to. */
export const COPIED_DIR = `${FOLDER}/generated/metrics`;
export const BUNDLE_FILE = `${FOLDER}/generated/metrics_bundle.ts`;

function walk(root: string, rel = ""): string[] {
  const dir = path.join(root, rel);
  const out: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.startsWith(".") || name === "node_modules") continue;
    const r = rel ? `${rel}/${name}` : name;
    const st = fs.statSync(path.join(root, r));
    if (st.isDirectory()) out.push(...walk(root, r));
    else if (st.isFile()) out.push(r);
  }
  return out;
}

/** A path relative to the metrics folder must be usable as Windmill path segments once copied. */
function checkCopiable(rel: string, batch: string): void {
  for (const seg of rel.replace(/\.ts$/, "").split("/")) {
    if (!/^[A-Za-z0-9_-]+$/.test(seg)) {
      throw new Error(
        `batch "${batch}": cannot deploy ${rel} to Windmill: "${seg}" is not a valid Windmill path segment (use letters, digits, _ and -)`,
      );
    }
  }
}

/** Relative import specifiers of a module (`import ... from`, `export ... from`, `import(...)`), with their places. */
function relativeImports(code: string): { spec: string; index: number }[] {
  return [...code.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*(["'])(\.{1,2}\/[^"']+)\1/g)].map((m) => ({
    spec: m[2],
    index: (m.index ?? 0) + m[0].indexOf(m[1] + m[2]) + 1,
  }));
}

/**
 * The source of a copied module with its imports of f/ re-pointed from `copyAbs`; imports inside the
 * batch's copied files stay; anything else cannot reach a worker and is an error naming the import.
 */
export function repointImports(
  code: string,
  o: { root: string; fromAbs: string; copyAbs: string; copied: ReadonlySet<string>; batch: string; rel: string },
): string {
  const fRoot = path.join(o.root, "f") + path.sep;
  let out = "";
  let at = 0;
  for (const { spec, index } of relativeImports(code)) {
    const target = path.resolve(path.dirname(o.fromAbs), spec);
    let next = spec;
    if (o.copied.has(target)) next = spec;
    else if (target.startsWith(fRoot)) {
      next = path.relative(path.dirname(o.copyAbs), target).split(path.sep).join("/");
      if (!next.startsWith(".")) next = `./${next}`;
    } else {
      throw new Error(
        `batch "${o.batch}": cannot deploy ${o.rel} to Windmill: it imports "${spec}", which is neither in the batch's folder nor under f/ (workers only get f/); move it into the batch's folder`,
      );
    }
    out += code.slice(at, index) + next;
    at = index + spec.length;
  }
  return out + code.slice(at);
}

/**
 * Files of the bundle: the module embedding the metrics folder plus the copied TypeScript modules of
 * every batch that uses `ingest_fn` or `preprocess_fn` (all `.ts` files of that batch's folder, for their
 * relative imports). `root` is the repository (where f/ is), default the metrics folder's parent.
 */
export function metricsBundle(metricsDir: string, batches: readonly BatchConfig[], root = path.dirname(metricsDir)): Map<string, string> {
  const files = walk(metricsDir);
  const embedded = files.filter((f) => EMBEDDED.test(f));
  const copied = new Map<string, string>(); // rel path → batch (for messages)
  for (const cfg of batches) {
    if (!cfg.ingest_fn && !cfg.preprocess_fn) continue;
    const dir = path.relative(metricsDir, cfg.source_dir).split(path.sep).join("/");
    for (const f of files) {
      if (!f.endsWith(".ts") || f.endsWith(".test.ts")) continue;
      if (dir === "" ? !f.includes("/") : f.startsWith(`${dir}/`)) {
        checkCopiable(f, cfg.metric_batch);
        copied.set(f, cfg.metric_batch);
      }
    }
  }
  const out = new Map<string, string>();
  const rels = [...copied.keys()].sort();
  const copiedAbs = new Set(rels.map((rel) => path.join(metricsDir, rel)));
  for (const rel of rels) {
    const fromAbs = path.join(metricsDir, rel);
    const src = repointImports(fs.readFileSync(fromAbs, "utf8"), {
      root,
      fromAbs,
      copyAbs: path.join(root, COPIED_DIR, rel),
      copied: copiedAbs,
      batch: copied.get(rel)!,
      rel,
    });
    out.set(`${COPIED_DIR}/${rel}`, `// Copied from metrics/${rel} by npm run generate: edit the original, not this copy.\n${NOBUNDLING}\n${src}`);
  }
  const lines = [
    "// Generated by `npm run generate` from the metrics folder: do not edit (edit metrics/ and regenerate).",
    "// The metrics folder's YAML and SQL, and its batches' TypeScript modules, for Windmill workers.",
    NOBUNDLING,
    'import { registerBundle } from "../config/source.ts";',
    ...rels.map((rel, i) => `import * as module${i} from "./metrics/${rel}";`),
    "",
    "registerBundle(",
    "  {",
    ...embedded.map((rel) => `    ${JSON.stringify(rel)}: ${JSON.stringify(fs.readFileSync(path.join(metricsDir, rel), "utf8"))},`),
    "  },",
    "  {",
    ...rels.map((rel, i) => `    ${JSON.stringify(rel)}: module${i},`),
    "  },",
    ");",
    "",
  ];
  out.set(BUNDLE_FILE, lines.join("\n"));
  return out;
}
