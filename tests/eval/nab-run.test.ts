// `npm run eval:nab` on a small subset of the corpus (CI runs this; the full corpus is a benchmark):
// ingest into a throw-away store, replay with the shipped default, evaluate. Skipped without the corpus.
import { describe, expect, it } from "vitest";
import { hasNabCorpus, resolveNabDir } from "../../scripts/eval/corpus.ts";
import { formatNab, nabMetricName, runNab } from "../../scripts/eval/nab.ts";

const NAB_DIR = resolveNabDir();

describe.skipIf(!hasNabCorpus(NAB_DIR))(
  `eval:nab on a subset (${hasNabCorpus(NAB_DIR) ? NAB_DIR : `skipped: no NAB corpus at ${NAB_DIR}; set ANOMSTACK_NAB_DIR`})`,
  () => {
    it("replays the realAdExchange files with the shipped default and scores them", async () => {
      const r = await runNab({ only: ["realAdExchange"], workers: 1 });
      expect(r.files).toBe(6);
      expect(r.config).toMatchObject({ detector_preset: "default", score_calibration: "range", model_combination_method: "max" });
      expect(r.evaluation).toMatchObject({ metrics: 6, points: 9608, windows: 14, unmatched: [] });
      const [standard, lowFp, lowFn] = r.evaluation.scores.map((s) => s.score);
      // regression guard: this subset's scores with the shipped default (the original's are far lower)
      expect(standard).toBeCloseTo(SUBSET.standard, 6);
      expect(lowFp).toBeCloseTo(SUBSET.lowFp, 6);
      expect(lowFn).toBeCloseTo(SUBSET.lowFn, 6);
      expect(formatNab(r)).toMatch(/NAB score \(standard \/ low FP \/ low FN\): /);
    });

    it("names metrics after the NAB files and rejects a subset that matches nothing", async () => {
      expect(nabMetricName("realKnownCause/nyc_taxi.csv")).toBe("realKnownCause/nyc_taxi");
      await expect(runNab({ only: ["no-such-file"], workers: 1 })).rejects.toThrow(/no NAB file matches/);
    });
  },
);

// measured on this subset; the original preset scores 55.9 / 52.8 / 58.7 on it
const SUBSET = { standard: 85.04043167171083, lowFp: 76.86584715027684, lowFn: 90.02695444780723 };
