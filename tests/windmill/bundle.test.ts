// The metrics bundle for Windmill workers: a batch's preprocess_fn (like its ingest_fn) is copied under f/
// with its imports of f/ re-pointed, and on a worker the loader and the jobs use the bundled module.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { metricsBundle, COPIED_DIR, BUNDLE_FILE } from "../../scripts/generate/bundle.ts";
import { loadBatch, loadConfig } from "../../f/anomstack/config/index.ts";
import { BUNDLE_ROOT, registerBundle } from "../../f/anomstack/config/source.ts";
import { loadBatchFeatures } from "../../f/anomstack/jobs/preprocess-hook.ts";
import { REPO_DIR } from "../helpers/workspace.ts";

function repoWith(files: Record<string, string>): { root: string; metricsDir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-bundle-"));
  const metricsDir = path.join(root, "metrics");
  fs.cpSync(path.join(REPO_DIR, "metrics/defaults"), path.join(metricsDir, "defaults"), { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(metricsDir, rel)), { recursive: true });
    fs.writeFileSync(path.join(metricsDir, rel), text);
  }
  return { root, metricsDir };
}

const HOOK = `import type { PreprocessFunction } from "../../../f/anomstack/core/batch-api.ts";
import { double } from "./helper.ts";
export const preprocess: PreprocessFunction = (rows, params, ctx) => ctx.defaultPreprocess(rows.map((r) => ({ ...r, metric_value: double(r.metric_value) })));
`;

describe("metricsBundle with a preprocess_fn", () => {
  it("copies the batch's modules and re-points their imports of f/ from the copy", () => {
    const { root, metricsDir } = repoWith({
      "team/h/h.yaml": "metric_batch: h\ningest_sql: select 1\npreprocess_fn: features.ts\n",
      "team/h/features.ts": HOOK,
      "team/h/helper.ts": "export const double = (x: number) => 2 * x;\n",
    });
    const { batches } = loadConfig({ metricsDir, env: {} });
    const files = metricsBundle(metricsDir, [...batches.values()], root);
    const copy = files.get(`${COPIED_DIR}/team/h/features.ts`)!;
    // from f/anomstack/generated/metrics/team/h/ the same core/batch-api.ts is four folders up
    expect(copy).toContain('import type { PreprocessFunction } from "../../../../core/batch-api.ts";');
    expect(copy).toContain('import { double } from "./helper.ts";');
    expect(copy.split("\n").slice(0, 2)).toEqual([
      "// Copied from metrics/team/h/features.ts by npm run generate: edit the original, not this copy.",
      "//nobundling",
    ]);
    expect(files.has(`${COPIED_DIR}/team/h/helper.ts`)).toBe(true);
    expect(files.get(BUNDLE_FILE)).toContain('"team/h/features.ts": module');
  });

  it("refuses a module importing from outside its folder and f/, naming the batch and the import", () => {
    const { root, metricsDir } = repoWith({
      "h/h.yaml": "metric_batch: h\ningest_sql: select 1\npreprocess_fn: features.ts\n",
      "h/features.ts": 'import { x } from "../shared/x.ts";\nexport function preprocess() { return x; }\n',
      "shared/x.ts": "export const x = 1;\n",
    });
    const { batches } = loadConfig({ metricsDir, env: {} });
    expect(() => metricsBundle(metricsDir, [...batches.values()], root)).toThrow(
      `batch "h": cannot deploy h/features.ts to Windmill: it imports "../shared/x.ts", which is neither in the batch's folder nor under f/ (workers only get f/); move it into the batch's folder`,
    );
  });
});

describe("on a worker (the bundle registered, no metrics folder)", () => {
  it("the loader checks the bundled module's export and the jobs use it without importing a file", async () => {
    const calls: string[] = [];
    const preprocess = (rows: { metric_timestamp: Date; metric_value: number }[], _p: unknown, ctx: { metric: string }) => {
      calls.push(ctx.metric);
      return { timestamps: rows.map((r) => r.metric_timestamp), columns: ["v"], values: rows.map((r) => [r.metric_value]) };
    };
    const defaults = fs.readFileSync(path.join(REPO_DIR, "metrics/defaults/defaults.yaml"), "utf8");
    const yaml = (name: string) => `metric_batch: ${name}\ningest_sql: select 1\npreprocess_fn: features.ts\n`;
    registerBundle(
      { "defaults/defaults.yaml": defaults, "h/h.yaml": yaml("h"), "n/n.yaml": yaml("n") },
      { "h/features.ts": { preprocess }, "n/features.ts": { other: () => 1 } },
    );
    const env = { ANOMSTACK_METRICS_DIR: BUNDLE_ROOT };
    const cfg = loadBatch("h", { env });
    expect(cfg.source_dir).toBe(`${BUNDLE_ROOT}/h`);
    const features = await loadBatchFeatures(cfg);
    const X = features.matrix({ timestamps: [1000, 2000], values: [5, 6] }, cfg.preprocess_params as never, { metric: "cpu", model_tag: "level" });
    expect([X.rows, X.cols, Array.from(X.data)]).toEqual([2, 1, [5, 6]]);
    expect(calls).toEqual(["cpu"]);
    expect(() => loadBatch("n", { env })).toThrow(`n.preprocess_fn: ${BUNDLE_ROOT}/n/features.ts must export a function named "preprocess"`);
  });
});
