// Every batch YAML shipped under the repository's metrics/ folder loads and validates, and its
// SQL templates render (skipped while there is no batch yet; not-yet-written SQL files are tolerated).
import { describe, expect, it } from "vitest";
import { TemplateError, loadConfig, renderTemplate } from "../../f/anomstack/config/index.ts";
import { listBatchFiles } from "../../f/anomstack/config/files.ts";
import { diskSource } from "../../f/anomstack/config/source.ts";
import { REAL_METRICS_DIR } from "./helpers.ts";

const hasBatches = listBatchFiles(diskSource(REAL_METRICS_DIR), false).length > 0;

describe("shipped metrics folder", () => {
  it.skipIf(!hasBatches)("loads every shipped batch YAML", () => {
    const loaded = loadConfig({ metricsDir: REAL_METRICS_DIR, env: {} });
    expect(loaded.batches.size + loaded.disabled.length).toBe(listBatchFiles(diskSource(REAL_METRICS_DIR), false).length);
  });

  it.skipIf(!hasBatches)("renders every SQL template of every shipped batch", () => {
    const { batches } = loadConfig({ metricsDir: REAL_METRICS_DIR, env: {} });
    for (const cfg of batches.values()) {
      for (const key of Object.keys(cfg).filter((k) => k.endsWith("_sql"))) {
        try {
          expect(typeof renderTemplate(cfg, key, { now: new Date("2024-01-01T00:00:00Z"), last_n: 10, score_history_n: 10 })).toBe("string");
        } catch (err) {
          if (!(err instanceof TemplateError && err.message.includes("template not found"))) throw err;
        }
      }
    }
  });

  it("loads the real defaults.yaml even without batches", () => {
    const loaded = loadConfig({ metricsDir: REAL_METRICS_DIR, env: { ANOMSTACK_IGNORE_EXAMPLES: "yes" } });
    expect(loaded.metricsDir).toBe(REAL_METRICS_DIR);
  });
});
