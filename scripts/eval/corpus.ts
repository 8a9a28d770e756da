// Reading the NAB corpus from disk (for npm run eval:nab and the tests): data files, labelled windows and a detector's published
// result files. Where the corpus lives: $ANOMSTACK_NAB_DIR, else `../shared/data/nab` next to the repo.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseLabelTime, parseWindowLabels } from "./labels.ts";
import type { Env } from "../../f/anomstack/core/env.ts";

/** The repository root (two folders above scripts/eval). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The NAB folder: `$ANOMSTACK_NAB_DIR`, else `<repo>/../shared/data/nab`. */
export function resolveNabDir(env: Env = process.env): string {
  return path.resolve(env.ANOMSTACK_NAB_DIR || path.join(REPO_ROOT, "..", "shared", "data", "nab"));
}

/** Whether `dir` holds a NAB corpus (data/ and labels/combined_windows.json). */
export function hasNabCorpus(dir: string): boolean {
  return fs.existsSync(path.join(dir, "labels", "combined_windows.json")) && fs.existsSync(path.join(dir, "data"));
}

/** One CSV with a header: the named numeric columns (and `timestamp` parsed as epoch ms). */
export function readCsvColumns(text: string, columns: string[]): { timestamps: number[]; cols: Record<string, number[]> } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const head = lines[0].split(",").map((h) => h.trim());
  const ti = head.indexOf("timestamp");
  if (ti < 0) throw new Error(`no timestamp column (header: ${head.join(",")})`);
  const idx = columns.map((c) => {
    const i = head.indexOf(c);
    if (i < 0) throw new Error(`no ${c} column (header: ${head.join(",")})`);
    return i;
  });
  const timestamps: number[] = [];
  const cols: Record<string, number[]> = Object.fromEntries(columns.map((c) => [c, []]));
  for (let r = 1; r < lines.length; r++) {
    const f = lines[r].split(",");
    timestamps.push(parseLabelTime(f[ti]));
    idx.forEach((i, j) => {
      cols[columns[j]].push(Number(f[i]));
    });
  }
  return { timestamps, cols };
}

/** One NAB data file with its windows. */
export interface NabFile {
  /** Relative path as in the labels, e.g. "realKnownCause/nyc_taxi.csv". */
  name: string;
  timestamps: number[];
  values: number[];
  windows: [number, number][];
}

/**
 * Every data file that has an entry in `labels/combined_windows.json`, sorted by name.
 * @param only keep files whose name contains one of these strings (a subset for quick runs).
 */
export function loadNabCorpus(dir: string, only?: readonly string[]): NabFile[] {
  const windows = parseWindowLabels(fs.readFileSync(path.join(dir, "labels", "combined_windows.json"), "utf8"));
  const names = [...windows.keys()].filter((n) => !only?.length || only.some((o) => n.includes(o))).sort();
  return names.map((name) => {
    const { timestamps, cols } = readCsvColumns(fs.readFileSync(path.join(dir, "data", name), "utf8"), ["value"]);
    return { name, timestamps, values: cols.value, windows: windows.get(name)! };
  });
}

/**
 * A published detector's anomaly scores per data file (`results/<detector>/<category>/<detector>_<file>`),
 * aligned with `files`.
 */
export function loadNabResults(dir: string, detector: string, files: readonly NabFile[]): number[][] {
  return files.map((f) => {
    const [category, base] = f.name.split("/");
    const text = fs.readFileSync(path.join(dir, "results", detector, category, `${detector}_${base}`), "utf8");
    const { timestamps, cols } = readCsvColumns(text, ["anomaly_score"]);
    if (timestamps.length !== f.timestamps.length) {
      throw new Error(`${detector}/${f.name}: ${timestamps.length} result rows for ${f.timestamps.length} data rows`);
    }
    return cols.anomaly_score;
  });
}
