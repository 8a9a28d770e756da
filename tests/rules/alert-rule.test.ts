// The anomaly-alert rule: trailing smoothing, threshold, recent_n, snooze (stored and in-call), `always`,
// and the two bugs of the original fixed (docs/differences.md #2: the newest point is smoothed and can be snoozed).
import { describe, expect, it } from "vitest";
import { decideAnomalyAlerts, isSnoozed, smoothScores, type AnomalyAlertParams, type ScoredPoint } from "../../f/anomstack/rules/alert-rule.ts";

const MIN = 60_000;

/** Points with the given scores; point i is at minute i with value 10·i; `alerted` lists stored alerts. */
function points(scores: number[], alerted: number[] = []): ScoredPoint[] {
  return scores.map((score, i) => ({ timestamp: i * MIN, value: 10 * i, score, alerted: alerted.includes(i) }));
}

function params(p: Partial<AnomalyAlertParams>): AnomalyAlertParams {
  return { smooth_n: 0, snooze_n: 0, threshold: 0.8, recent_n: Number.POSITIVE_INFINITY, always: false, ...p };
}

function indices(pts: ScoredPoint[], p: Partial<AnomalyAlertParams>): number[] {
  return decideAnomalyAlerts(pts, params(p)).map((d) => d.index);
}

describe("smoothScores", () => {
  it("averages the current score with the smooth_n older ones, fewer at the start", () => {
    const s = smoothScores([0, 1, 1, 1, 0], 2);
    // 0/1, (0+1)/2, (0+1+1)/3, (1+1+1)/3, (1+1+0)/3
    expect(s.slice(0, 2)).toEqual([0, 0.5]);
    expect(s[2]).toBeCloseTo(2 / 3, 15);
    expect(s[3]).toBe(1);
    expect(s[4]).toBeCloseTo(2 / 3, 15);
  });

  it("is the identity for smooth_n = 0 and a growing mean when smooth_n exceeds the series", () => {
    expect(smoothScores([0.3, 0.9, 0.1], 0)).toEqual([0.3, 0.9, 0.1]);
    // 1/1, 3/2, 6/3, 12/4
    expect(smoothScores([1, 2, 3, 6], 10)).toEqual([1, 1.5, 2, 3]);
    expect(smoothScores([], 3)).toEqual([]);
  });

  it("depends only on the window: an old outlier leaves no trace", () => {
    // (100+0.25)/2 = 50.125, (100+0.25+0.25)/3 = 33.5, then the window holds only 0.25s.
    expect(smoothScores([100, 0.25, 0.25, 0.25, 0.25], 2)).toEqual([100, 50.125, 33.5, 0.25, 0.25]);
  });
});

describe("isSnoozed", () => {
  it("looks at the snooze_n entries just before i", () => {
    const flags = [true, false, false, false];
    expect(isSnoozed(flags, 3, 3)).toBe(true); // window 0..2 holds index 0
    expect(isSnoozed(flags, 3, 2)).toBe(false); // window 1..2
    expect(isSnoozed(flags, 3, 0)).toBe(false); // empty window
    expect(isSnoozed(flags, 0, 5)).toBe(false); // nothing before the first point
    expect(isSnoozed([false, true], 1, 1)).toBe(false); // the point itself is not in its window
  });
});

describe("decideAnomalyAlerts", () => {
  it("alerts at the threshold (>=) and not just below it, reporting the decision in full", () => {
    expect(decideAnomalyAlerts(points([0.1, 0.8]), params({ threshold: 0.8 }))).toEqual([
      { index: 1, timestamp: 1 * MIN, value: 10, score: 0.8, score_smooth: 0.8 },
    ]);
    expect(indices(points([0.1, 0.7999999999999999]), { threshold: 0.8 })).toEqual([]);
    // Smoothed: (0.5 + 1)/2 = 0.75, exactly the threshold → alerts; a hair above it → nothing.
    expect(decideAnomalyAlerts(points([0.5, 1]), params({ smooth_n: 1, threshold: 0.75 }))).toEqual([
      { index: 1, timestamp: 1 * MIN, value: 10, score: 1, score_smooth: 0.75 },
    ]);
    expect(indices(points([0.5, 1]), { smooth_n: 1, threshold: 0.7500001 })).toEqual([]);
  });

  it("only lets the newest recent_n points alert", () => {
    const high = points([0.9, 0.9, 0.9, 0.9, 0.9]);
    expect(indices(high, { recent_n: 2 })).toEqual([3, 4]);
    expect(indices(high, { recent_n: 1 })).toEqual([4]);
    expect(indices(high, { recent_n: 0 })).toEqual([]);
    expect(indices(high, { recent_n: 50 })).toEqual([0, 1, 2, 3, 4]);
  });

  it("snoozes after a stored alert", () => {
    // Stored alert at 2, snooze_n = 3: 3, 4, 5 have 2 in their window; 6 (window 3..5) alerts; 7 is snoozed by 6.
    const pts = points([0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9], [2]);
    expect(indices(pts, { snooze_n: 3, recent_n: 5 })).toEqual([6]);
  });

  it("snoozes after an alert decided earlier in the same call", () => {
    // snooze_n = 2: 0 alerts, 1-2 snoozed, 3 alerts, 4-5 snoozed, 6 alerts.
    expect(indices(points([0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]), { snooze_n: 2 })).toEqual([0, 3, 6]);
  });

  it("never re-alerts an already alerted point, so running twice alerts nothing new", () => {
    const scores = [0.2, 0.95, 0.3, 0.99, 0.1];
    // Candidates 1..4: 1 already has an alert (skipped despite 0.95), 3 alerts.
    expect(indices(points(scores, [1]), { recent_n: 4 })).toEqual([3]);
    const first = indices(points(scores), {});
    expect(first).toEqual([1, 3]);
    expect(indices(points(scores, first), {})).toEqual([]);
  });

  it("alerts regardless of the score with always, but still honours the snooze", () => {
    const zeros = points([0, 0, 0, 0, 0, 0]);
    // Candidates 3, 4, 5 with snooze_n = 1: 3 alerts, 4 snoozed by 3, 5 alerts.
    expect(indices(zeros, { always: true, recent_n: 3, snooze_n: 1 })).toEqual([3, 5]);
    // With a stored alert at 2: 3 is snoozed, 4 alerts, 5 is snoozed by 4.
    expect(indices(points([0, 0, 0, 0, 0, 0], [2]), { always: true, recent_n: 3, snooze_n: 1 })).toEqual([4]);
    expect(decideAnomalyAlerts(points([0.1, 0.3]), params({ always: true, recent_n: 1, smooth_n: 1 }))).toEqual([
      { index: 1, timestamp: MIN, value: 10, score: 0.3, score_smooth: 0.2 }, // (0.1+0.3)/2 = 0.2
    ]);
    expect(indices(zeros, { always: false, recent_n: 3 })).toEqual([]);
  });

  it("replays a long series (recent_n = Infinity) with smoothing and snooze", () => {
    // i:      0  1  2  3  4  5  6  7  8  9 10 11 12  13  14 15 16 17 18 19
    const s = [0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0.7, 0, 1, 1, 1, 1, 1];
    // smooth_n = 2 (mean of 3): 3 → 1/3, 4 → 2/3, 5 → 1 alerts; 6, 7 → 1 but snoozed (5 within 3 before);
    // 8 → 2/3, 11 → 1/3, 12 → 2/3, 13 → (1+1+0.7)/3 = 0.9 alerts (window 10..12 clear);
    // 14 → 1.7/3, 15 → 1.7/3, 16 → 2/3, 17 → 1 alerts (window 14..16 clear); 18, 19 snoozed by 17.
    const p = { smooth_n: 2, snooze_n: 3, threshold: 0.8 };
    const got = decideAnomalyAlerts(points(s), params(p));
    expect(got.map((d) => d.index)).toEqual([5, 13, 17]);
    expect(got.map((d) => d.timestamp)).toEqual([5 * MIN, 13 * MIN, 17 * MIN]);
    expect(got[1].score).toBe(0.7);
    expect(got[1].score_smooth).toBeCloseTo(0.9, 15);
    // Feeding the alerts back (the next replay) decides nothing new.
    expect(indices(points(s, [5, 13, 17]), p)).toEqual([]);
  });

  it("smooths the newest point over older points (docs/differences.md #2: the original used only its own score)", () => {
    // Newest raw 0.9 but (0+0+0.9)/3 = 0.3 → no alert (the original alerted on 0.9).
    expect(indices(points([0, 0, 0.9]), { smooth_n: 2, recent_n: 1 })).toEqual([]);
    // Newest raw 0.7 but (1+1+0.7)/3 = 0.9 → alert (the original did not alert on 0.7).
    const [d] = decideAnomalyAlerts(points([1, 1, 0.7]), params({ smooth_n: 2, recent_n: 1 }));
    expect([d.index, d.score]).toEqual([2, 0.7]);
    expect(d.score_smooth).toBeCloseTo(0.9, 15);
  });

  it("snoozes the newest point after an older alert (docs/differences.md #2: the original never snoozed it)", () => {
    // Stored alert at 2, newest is 3 with snooze_n = 3 → snoozed; with snooze_n = 0 → alerts.
    const pts = points([0.9, 0.9, 0.9, 0.9], [2]);
    expect(indices(pts, { snooze_n: 3, recent_n: 1 })).toEqual([]);
    expect(indices(pts, { snooze_n: 0, recent_n: 1 })).toEqual([3]);
    // The alert at 0 is 3 points back: inside snooze_n = 3, outside snooze_n = 2.
    const older = points([0.9, 0.1, 0.1, 0.9], [0]);
    expect(indices(older, { snooze_n: 3, recent_n: 1 })).toEqual([]);
    expect(indices(older, { snooze_n: 2, recent_n: 1 })).toEqual([3]);
  });
});
