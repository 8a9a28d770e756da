// The score job's final scores of a series: the walk over aligned arrays (the usual case) gives what the
// lookups by timestamp give, for stored and computed scores, gaps, fresh incidents and the suppression.
import { describe, expect, it } from "vitest";
import type { BatchConfig } from "../../f/anomstack/config/index.ts";
import { seriesScores, seriesScoresByLookup } from "../../f/anomstack/jobs/score.ts";

let seed = 11;
const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;

function computedFor(timestamps: number[], keep: (i: number) => boolean) {
  const ts = timestamps.filter((_, i) => keep(i));
  const scores = ts.map(() => (rand() < 0.1 ? Number.NaN : Math.round(rand() * 1e4) / 1e4));
  return { timestamps: ts, scores, fresh: ts.map(() => rand() < 0.3) };
}

describe("seriesScores", () => {
  it("gives the lookups' points and scores for series whose computed rows are among their points", () => {
    for (let k = 0; k < 200; k++) {
      const cfg = { score_suppress_n: k % 5 === 0 ? 0 : 1 + (k % 30) } as BatchConfig;
      const n = 1 + Math.floor(rand() * 160);
      let t = 1_700_000_000_000;
      const timestamps = Array.from({ length: n }, () => (t += 60_000 * (1 + Math.floor(rand() * 3))));
      // stored scores for an older part (null = not scored yet; sometimes a gap), the rest computed
      const storedUpTo = Math.floor(rand() * n);
      const storedScores = timestamps.map((_, i) => (i < storedUpTo && rand() > 0.05 ? Math.round(rand() * 1e4) / 1e4 : null));
      const lookback = Math.floor(rand() * 10);
      const computed = computedFor(timestamps, (i) => i >= lookback && rand() > 0.02);
      const fast = seriesScores(cfg, timestamps, storedScores, computed);
      const slow = seriesScoresByLookup(cfg, timestamps, storedScores, computed);
      expect([...fast.points]).toEqual([...slow.points]);
      expect([...fast.scores]).toEqual([...slow.scores]);
    }
  });

  it("falls back to the lookups for resampled rows, repeated or unordered timestamps", () => {
    const cfg = { score_suppress_n: 3 } as BatchConfig;
    const cases: { timestamps: number[]; computed: number[] }[] = [
      { timestamps: [0, 10, 20, 30], computed: [5, 15, 25] }, // bins between the points
      { timestamps: [0, 10, 10, 20], computed: [10, 20] }, // a repeated point
      { timestamps: [20, 0, 10], computed: [0, 10, 20] }, // not in time order
      { timestamps: [0, 10, 20], computed: [20, 10] }, // computed rows out of order
    ];
    for (const c of cases) {
      const computed = { timestamps: c.computed, scores: c.computed.map((x) => x / 100), fresh: c.computed.map((_, i) => i === 0) };
      const storedScores = c.timestamps.map((_, i) => (i === 0 ? 0.5 : null));
      expect(seriesScores(cfg, c.timestamps, storedScores, computed)).toEqual(seriesScoresByLookup(cfg, c.timestamps, storedScores, computed));
    }
  });
});
