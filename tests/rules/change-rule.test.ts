// The change rule: MAD fitted on the older values, the newest detect_last_n tested (as the original intends: it fires).
import { describe, expect, it } from "vitest";
import {
  CHANGE_SCORE_MAX,
  decideChanges,
  fitChangeLevels,
  MIN_CHANGE_TRAIN_POINTS,
  trailingMedians,
  type ChangeParams,
  type ChangePoint,
} from "../../f/anomstack/rules/change-rule.ts";

const MIN = 60_000;

function points(values: number[], changed: number[] = []): ChangePoint[] {
  return values.map((value, i) => ({ timestamp: i * MIN, value, changed: changed.includes(i) }));
}

function params(p: Partial<ChangeParams>): ChangeParams {
  return { threshold: 3.5, detect_last_n: 1, snooze_n: 0, ...p };
}

// Train [1, 2, 3, 4, 100]: median 3; |x − 3| = [2, 1, 0, 1, 97] → sorted [0, 1, 1, 2, 97] → MAD 1.
// score = 0.6745·|x − 3| / 1.
const TRAIN = [1, 2, 3, 4, 100];

describe("decideChanges", () => {
  it("scores every point with 0.6745·|x − median| / MAD of the training values", () => {
    const r = decideChanges(points([...TRAIN, 3, 5, 8]), params({ detect_last_n: 3, threshold: 3 }));
    expect(r.skipped).toBeUndefined();
    // 1 → 0.6745·2, 2 → 0.6745·1, 3 → 0, 4 → 0.6745·1, 100 → 0.6745·97, then 3 → 0, 5 → 0.6745·2, 8 → 0.6745·5.
    const expected = [1.349, 0.6745, 0, 0.6745, 65.4265, 0, 1.349, 3.3725];
    expect(r.scores).toHaveLength(8);
    r.scores.forEach((s, i) => {
      expect(s).toBeCloseTo(expected[i], 12);
    });
    // Only 3.3725 > 3.
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]).toMatchObject({ index: 7, timestamp: 7 * MIN, value: 8 });
    expect(r.changes[0].score).toBeCloseTo(3.3725, 12);
  });

  it("uses the mean of the two middle values for an even number of training points", () => {
    // Train [1, 2, 3, 4, 5, 100]: median (3+4)/2 = 3.5; deviations sorted [0.5, 0.5, 1.5, 1.5, 2.5, 96.5]
    // → MAD (1.5+1.5)/2 = 1.5; 6.5 scores 0.6745·3/1.5 = 1.349.
    const r = decideChanges(points([1, 2, 3, 4, 5, 100, 6.5]), params({ threshold: 1.3 }));
    expect(r.scores[6]).toBeCloseTo(1.349, 12);
    expect(r.changes.map((c) => c.index)).toEqual([6]);
  });

  it("flags only scores strictly greater than the threshold", () => {
    // 5 scores exactly 0.6745·2 = 1.349.
    expect(decideChanges(points([...TRAIN, 5]), params({ threshold: 1.349 })).changes).toEqual([]);
    expect(decideChanges(points([...TRAIN, 5]), params({ threshold: 1.3489 })).changes.map((c) => c.index)).toEqual([5]);
  });

  it("tests the newest detect_last_n values, snoozing within the call", () => {
    // Detect [5, 8, 9] at 5, 6, 7: scores 1.349, 3.3725, 4.047 (0.6745·6) — all > 1.
    const pts = points([...TRAIN, 5, 8, 9]);
    expect(decideChanges(pts, params({ detect_last_n: 3, threshold: 1 })).changes.map((c) => c.index)).toEqual([5, 6, 7]);
    // snooze_n = 1: 5 flagged, 6 snoozed by 5, 7 flagged (its window is just 6).
    expect(decideChanges(pts, params({ detect_last_n: 3, threshold: 1, snooze_n: 1 })).changes.map((c) => c.index)).toEqual([5, 7]);
    // snooze_n = 2: 5 flagged, 6 and 7 snoozed.
    expect(decideChanges(pts, params({ detect_last_n: 3, threshold: 1, snooze_n: 2 })).changes.map((c) => c.index)).toEqual([5]);
    // detect_last_n = 1 tests only 9 (the training set is then [1, 2, 3, 4, 100, 5, 8]: median 4, MAD 2 → 0.6745·5/2).
    const one = decideChanges(pts, params({ detect_last_n: 1, threshold: 1 }));
    expect(one.scores[7]).toBeCloseTo(1.68625, 12);
    expect(one.changes.map((c) => c.index)).toEqual([7]);
  });

  it("skips a metric with a stored change among its newest snooze_n values", () => {
    const pts = points([...TRAIN, 3, 50], [5]);
    const r = decideChanges(pts, params({ snooze_n: 2 }));
    expect(r.skipped).toBe("snoozed");
    expect(r.changes).toEqual([]);
    expect(r.scores).toHaveLength(7);
    expect(r.scores.every((s) => Number.isNaN(s))).toBe(true);
    // snooze_n = 1: the stored change at 5 is not among the newest 1 value, so the metric is scored,
    // but 6 has 5 just before it and stays snoozed.
    // Train [1, 2, 3, 4, 100, 3]: median 3, deviations sorted [0, 0, 1, 1, 2, 97] → MAD 1; 50 → 0.6745·47.
    const r1 = decideChanges(pts, params({ snooze_n: 1 }));
    expect(r1.skipped).toBeUndefined();
    expect(r1.scores[6]).toBeCloseTo(31.7015, 12);
    expect(r1.changes).toEqual([]);
    // snooze_n = 0: 50 is flagged.
    expect(decideChanges(pts, params({ snooze_n: 0 })).changes.map((c) => c.index)).toEqual([6]);
  });

  it("never re-flags a point that already has a stored change", () => {
    // snooze_n = 0: not skipped; 8 at 5 is stored, 9 at 6 is new. Train is TRAIN (detect_last_n = 2).
    const r = decideChanges(points([...TRAIN, 8, 9], [5]), params({ detect_last_n: 2, threshold: 1 }));
    expect(r.changes.map((c) => c.index)).toEqual([6]);
    expect(r.scores[5]).toBeCloseTo(3.3725, 12); // still scored
  });

  it(`needs at least ${MIN_CHANGE_TRAIN_POINTS} training values`, () => {
    expect(MIN_CHANGE_TRAIN_POINTS).toBe(5);
    // 7 points, detect 3 → 4 training values: too few.
    const few = decideChanges(points([1, 2, 3, 4, 100, 100, 100]), params({ detect_last_n: 3, threshold: 0 }));
    expect(few.skipped).toBe("too_few_points");
    expect(few.changes).toEqual([]);
    expect(few.scores.every((s) => Number.isNaN(s))).toBe(true);
    // 8 points, detect 3 → exactly 5: tested.
    const enough = decideChanges(points([...TRAIN, 100, 100, 100]), params({ detect_last_n: 3, threshold: 0 }));
    expect(enough.skipped).toBeUndefined();
    expect(enough.changes.map((c) => c.index)).toEqual([5, 6, 7]);
    expect(decideChanges(points([1, 2, 3]), params({ detect_last_n: 5 })).skipped).toBe("too_few_points");
    expect(decideChanges([], params({})).skipped).toBe("too_few_points");
  });

  it("with a constant window scores 0 for the same value and the cap (not 1.8e308) for anything else", () => {
    // Train [5, 5, 5, 5, 5]: median 5, MAD 0 and mean absolute deviation 0.
    const r = decideChanges(points([5, 5, 5, 5, 5, 5, 5.001]), params({ detect_last_n: 2, threshold: 3.5 }));
    expect(r.scores).toEqual([0, 0, 0, 0, 0, 0, CHANGE_SCORE_MAX]);
    expect(r.changes).toEqual([{ index: 6, timestamp: 6 * MIN, value: 5.001, score: CHANGE_SCORE_MAX }]);
  });

  it("with MAD = 0 but some spread (a mostly-zero count) scales by the mean absolute deviation: finite scores", () => {
    // Train: 0 x 18, 1, 1 → median 0, MAD 0, mean |x| = 0.1 → MAD 0.1 · 0.6745 · √(π/2).
    const train = [...new Array(18).fill(0), 1, 1];
    const model = fitChangeLevels(train);
    expect(model).toEqual({ median: 0, mad: 0.1 * 0.6745 * Math.sqrt(Math.PI / 2) });
    const r = decideChanges(points([...train, 1]), params({}));
    expect(r.scores.every((x) => Number.isFinite(x) && x <= CHANGE_SCORE_MAX)).toBe(true);
    expect(r.scores[20]).toBeCloseTo(0.6745 / model.mad, 12);
  });
});

describe("decideChanges with change_smooth_n (the level is the median of the newest values)", () => {
  const sparse = (n: number) => Array.from({ length: n }, (_, i) => (i % 20 === 7 ? 1 : 0)); // a count that is mostly 0

  it("a mostly-zero count does not change on a single non-zero value, at any size", () => {
    for (const burst of [1, 3, 50]) {
      const values = [...sparse(250), burst];
      // the level of the newest 12 values is still 0
      expect(decideChanges(points(values), params({ smooth_n: 12 })).changes).toEqual([]);
    }
    // as the original's single-value rule would (MAD 0): a change on every non-zero value
    expect(decideChanges(points([...sparse(250), 1]), params({ smooth_n: 1 })).changes).toHaveLength(1);
  });

  it("it changes once its level changes: half of the newest 12 values at a new level", () => {
    const values = [...sparse(245), 0, 0, 0, 0, 0, 4, 5, 3, 4, 6, 4];
    const r = decideChanges(points(values), params({ smooth_n: 12, detect_last_n: 6 }));
    expect(r.changes.map((c) => c.index)).toEqual([255]);
    expect(r.changes[0].score).toBeLessThanOrEqual(CHANGE_SCORE_MAX);
    // five values at the new level are not yet half of the 12
    expect(decideChanges(points(values.slice(0, 255)), params({ smooth_n: 12, detect_last_n: 5 })).changes).toEqual([]);
  });

  it("scores the level with the older values' median and MAD", () => {
    const values = [1, 2, 3, 4, 100, 9, 8, 10];
    // train [1, 2, 3, 4, 100]: median 3, MAD 1; the level of the newest 3 values [9, 8, 10] is 9 → 0.6745·6
    const r = decideChanges(points(values), params({ smooth_n: 3, threshold: 3, detect_last_n: 3 }));
    expect(r.scores[7]).toBeCloseTo(0.6745 * 6, 12);
    expect(r.scores.slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(trailingMedians([1, 9, 2, 3], 3).slice(2)).toEqual([2, 3]);
  });

  it("decides the same with levels of only the tested points (what the change job passes)", () => {
    // A seeded walk with level shifts, stored changes and several detect/snooze/smooth settings.
    let seed = 7;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let k = 0; k < 60; k++) {
      const values = Array.from({ length: 40 + (k % 7) * 10 }, (_, i) => (i > 30 + (k % 5) ? 20 : 10) + rand() * (k % 3));
      const changed = k % 4 === 0 ? [values.length - 5] : [];
      const p = params({ detect_last_n: 1 + (k % 3), snooze_n: k % 4, smooth_n: 1 + (k % 13), threshold: 2 + (k % 3) });
      const full = decideChanges(points(values, changed), p);
      const tested = values.length - p.detect_last_n;
      const partial = decideChanges(points(values, changed), p, trailingMedians(values, Math.max(1, p.smooth_n ?? 1), tested));
      expect(partial.changes).toEqual(full.changes);
      expect(partial.model).toEqual(full.model);
      expect(partial.skipped).toEqual(full.skipped);
      if (!full.skipped) expect(partial.scores.slice(tested)).toEqual(full.scores.slice(tested));
    }
    expect(trailingMedians([1, 9, 2, 3, 7], 3, 3)).toEqual([Number.NaN, Number.NaN, Number.NaN, 3, 3]);
    expect(trailingMedians([1, 9, 2], 1, 2)).toEqual([Number.NaN, Number.NaN, 2]);
  });
});
