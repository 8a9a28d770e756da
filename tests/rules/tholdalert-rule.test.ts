// The static threshold rule: strict bounds, upper before lower, recent_n, and a snooze that spans runs (docs/differences.md #7).
import { describe, expect, it } from "vitest";
import {
  decideTholdalertBreaches,
  type TholdalertBounds,
  type TholdalertParams,
  type TholdalertPoint,
} from "../../f/anomstack/rules/tholdalert-rule.ts";

const MIN = 60_000;

function points(values: number[], alerted: number[] = []): TholdalertPoint[] {
  return values.map((value, i) => ({ timestamp: i * MIN, value, alerted: alerted.includes(i) }));
}

function decide(values: number[], bounds: TholdalertBounds, p: Partial<TholdalertParams>, alerted: number[] = []) {
  return decideTholdalertBreaches(points(values, alerted), bounds, { recent_n: Number.POSITIVE_INFINITY, snooze_n: 0, ...p });
}

describe("decideTholdalertBreaches", () => {
  it("breaches strictly above upper and strictly below lower", () => {
    const got = decide([10, 10.5, 0, -1, 5], { upper: 10, lower: 0 }, {});
    expect(got).toEqual([
      { index: 1, timestamp: 1 * MIN, value: 10.5, threshold_type: "upper", threshold_value: 10 },
      { index: 3, timestamp: 3 * MIN, value: -1, threshold_type: "lower", threshold_value: 0 },
    ]);
  });

  it("checks only the bounds that are set", () => {
    expect(decide([100, -100], { upper: 10 }, {}).map((b) => b.index)).toEqual([0]);
    expect(decide([100, -100], { lower: 0 }, {}).map((b) => b.index)).toEqual([1]);
    expect(decide([100, -100], {}, {})).toEqual([]);
  });

  it("checks upper before lower when a value breaks both", () => {
    // Inverted bounds: 7 > upper 5 and 7 < lower 10 → reported as upper.
    expect(decide([7], { upper: 5, lower: 10 }, {})).toEqual([{ index: 0, timestamp: 0, value: 7, threshold_type: "upper", threshold_value: 5 }]);
  });

  it("checks only the newest recent_n values", () => {
    const values = [99, 99, 99, 99];
    expect(decide(values, { upper: 10 }, { recent_n: 1 }).map((b) => b.index)).toEqual([3]);
    expect(decide(values, { upper: 10 }, { recent_n: 2 }).map((b) => b.index)).toEqual([2, 3]);
    expect(decide(values, { upper: 10 }, { recent_n: 0 })).toEqual([]);
  });

  it("snoozes across runs: a stored alert counts like one decided in the same call", () => {
    const values = [99, 99, 99, 99, 99];
    const bounds = { upper: 10 };
    const p = { recent_n: 1, snooze_n: 2 };
    // Five ingest runs, each seeing one more value and the alerts stored by the runs before.
    const stored: number[] = [];
    for (let n = 1; n <= values.length; n++) {
      for (const b of decide(values.slice(0, n), bounds, p, stored)) stored.push(b.index);
    }
    // Run 1 alerts 0; runs 2-3 are snoozed by 0; run 4 (window 1..2 clear) alerts 3; run 5 is snoozed by 3.
    expect(stored).toEqual([0, 3]);
    // Within one call (a replay) the result is the same.
    expect(decide(values, bounds, { recent_n: Number.POSITIVE_INFINITY, snooze_n: 2 }).map((b) => b.index)).toEqual([0, 3]);
  });

  it("alerts every breach with snooze_n = 0, and never re-alerts a stored one", () => {
    expect(decide([99, 99, 99], { upper: 10 }, { snooze_n: 0 }).map((b) => b.index)).toEqual([0, 1, 2]);
    expect(decide([99, 99, 99], { upper: 10 }, { snooze_n: 0 }, [1]).map((b) => b.index)).toEqual([0, 2]);
  });

  it("does not let a non-breaching value end a snooze early", () => {
    // Stored alert at 0, snooze_n = 3: 1 is fine, 2 and 3 breach but are snoozed; 4 breaches and alerts.
    expect(decide([99, 5, 99, 99, 99], { upper: 10 }, { snooze_n: 3 }, [0]).map((b) => b.index)).toEqual([4]);
  });
});
