// Label parsing (labels.ts) and the evaluation of a history against labels (evaluate.ts).
import { describe, expect, it } from "vitest";
import { feedbackVerdicts, labelKeyToMetric, parseLabelTime, parsePointLabels, parseWindowLabels, splitCsvLine } from "../../scripts/eval/labels.ts";
import { evaluateFeedback, evaluatePoints, evaluateWindows, type EvalSeries } from "../../scripts/eval/evaluate.ts";

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;

describe("labels", () => {
  it("reads timestamps as NAB and ISO write them, UTC unless zoned, or epoch seconds / ms", () => {
    expect(parseLabelTime("2014-04-10 07:15:00.000000")).toBe(1397114100000);
    expect(parseLabelTime("2014-04-10T07:15:00Z")).toBe(1397114100000);
    expect(parseLabelTime("2014-04-10T09:15:00+02:00")).toBe(1397114100000);
    expect(parseLabelTime("1397114100")).toBe(1397114100000);
    expect(parseLabelTime("1397114100000")).toBe(1397114100000);
    expect(() => parseLabelTime("yesterday")).toThrow(/not a timestamp/);
  });

  it("parses NAB windows and matches their keys to metric names", () => {
    const w = parseWindowLabels('{"realKnownCause/nyc_taxi.csv": [["2014-11-01 19:00:00.000000", "2014-11-02 12:30:00.000000"]], "a.csv": []}');
    expect(w.get("realKnownCause/nyc_taxi.csv")).toEqual([[Date.UTC(2014, 10, 1, 19), Date.UTC(2014, 10, 2, 12, 30)]]);
    expect(w.get("a.csv")).toEqual([]);
    expect(labelKeyToMetric("realKnownCause/nyc_taxi.csv", new Set(["realKnownCause/nyc_taxi"]))).toBe("realKnownCause/nyc_taxi");
    expect(labelKeyToMetric("realKnownCause/nyc_taxi.csv", new Set(["nyc_taxi"]))).toBe("nyc_taxi");
    expect(labelKeyToMetric("cpu", new Set(["cpu"]))).toBe("cpu");
    expect(labelKeyToMetric("x.csv", new Set(["y"]))).toBeUndefined();
    expect(() => parseWindowLabels('{"a": [["2014-01-02", "2014-01-01"]]}')).toThrow(/a\[0\] ends before it starts/);
    expect(() => parseWindowLabels("[]")).toThrow(/JSON object/);
  });

  it("parses point labels from a CSV column", () => {
    const csv = 'metric_name,metric_timestamp,is_anomaly\n"cpu",2024-01-01 00:01:00,1\ncpu,2024-01-01 00:02:00,0\nmem,2024-01-01 00:03:00,true\n';
    const l = parsePointLabels(csv, { labelColumn: "is_anomaly" });
    expect(l).toEqual(
      new Map([
        ["cpu", new Set([T0 + MIN])],
        ["mem", new Set([T0 + 3 * MIN])],
      ]),
    );
    expect(parsePointLabels("timestamp,label\n2024-01-01 00:05:00,1\n2024-01-01 00:10:00,0\n", { metric: "m" })).toEqual(
      new Map([["m", new Set([T0 + 5 * MIN])]]),
    );
    expect(() => parsePointLabels("timestamp,label\n2024-01-01,1\n")).toThrow(/--metric/);
    expect(() => parsePointLabels("timestamp,metric,y\n2024-01-01,m,1\n")).toThrow(/no label column.*--label-column/);
    expect(() => parsePointLabels("timestamp,metric,label\n2024-01-01,m,maybe\n")).toThrow(/row 2: label "maybe"/);
    expect(splitCsvLine('a,"b,c","d""e"')).toEqual(["a", "b,c", 'd"e']);
  });

  it("takes thumbs up / down per alert, a thumbs down winning", () => {
    const v = feedbackVerdicts([
      { metric_name: "m", metric_timestamp: 1, metric_type: "thumbsup" },
      { metric_name: "m", metric_timestamp: 2, metric_type: "thumbsup" },
      { metric_name: "m", metric_timestamp: 2, metric_type: "thumbsdown" },
    ]);
    expect(v.get("m")).toEqual(
      new Map([
        [1, true],
        [2, false],
      ]),
    );
  });
});

/** 200 one-minute points; scores and alerts as given (index -> value). */
function series(metric: string, scores: Record<number, number>, alerts: number[]): EvalSeries {
  const timestamps = Array.from({ length: 200 }, (_, i) => T0 + i * MIN);
  return {
    metric,
    timestamps,
    scores: timestamps.map((_, i) => scores[i] ?? (i < 10 ? Number.NaN : 0)),
    alerts: timestamps.map((_, i) => alerts.includes(i)),
  };
}

describe("evaluate", () => {
  it("NAB windows: the scores under NAB's sweep, and the stored alerts as they are", () => {
    const a = series("a", { 100: 0.9, 150: 0.7 }, [150]);
    const b = series("b", { 60: 0.8 }, [60]);
    const windows = new Map<string, [number, number][]>([
      ["a.csv", [[T0 + 95 * MIN, T0 + 104 * MIN]]],
      ["b", []],
      ["missing.csv", []],
    ]);
    const r = evaluateWindows([a, b], windows);
    expect(r).toMatchObject({ metrics: 2, points: 400, windows: 1, unmatched: ["missing.csv"] });
    // threshold 0.9 catches the window at its 6th of 10 points, with no false positive
    const credit = 2 / (1 + Math.exp(-2.5)) - 1;
    expect(r.scores[0]).toMatchObject({ profile: "standard", threshold: 0.9, tp: 1, fn: 0, fp: 0 });
    expect(r.scores[0].score).toBeCloseTo(50 + 50 * (credit / (2 / (1 + Math.exp(-5)) - 1)), 9);
    // the alerts (at 150 and b's 60) miss the window: two false positives
    expect(r.alerts[0]).toMatchObject({ tp: 0, fn: 1, fp: 2 });
    expect(r.alerts[0].score).toBeLessThan(0);
  });

  it("point labels: precision, recall and F1 of the alerts, with a tolerance", () => {
    const s = series("m", {}, [20, 50, 81]);
    const labels = new Map([["m", new Set([T0 + 20 * MIN, T0 + 80 * MIN, T0 + 120 * MIN])]]);
    expect(evaluatePoints([s], labels)).toMatchObject({ labelled: 3, alerts: 3, true_alerts: 1, caught: 1, precision: 1 / 3, recall: 1 / 3 });
    const tol = evaluatePoints([s], labels, 1);
    expect(tol).toMatchObject({ true_alerts: 2, caught: 2, precision: 2 / 3, recall: 2 / 3 });
    expect(tol.f1).toBeCloseTo(2 / 3, 12);
    expect(evaluatePoints([series("m", {}, [])], labels)).toMatchObject({ alerts: 0, caught: 0, recall: 0 });
    expect(Number.isNaN(evaluatePoints([series("m", {}, [])], labels).precision)).toBe(true);
  });

  it("feedback: the share of rated alerts marked right", () => {
    const s = series("m", {}, [20, 50, 81]);
    const v = new Map([
      [
        "m",
        new Map([
          [T0 + 20 * MIN, true],
          [T0 + 50 * MIN, false],
          [T0 + 60 * MIN, false],
        ]),
      ],
    ]);
    expect(evaluateFeedback([s], v)).toEqual({ alerts: 3, rated: 2, up: 1, down: 1, precision: 0.5 });
  });
});
