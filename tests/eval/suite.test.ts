// The repeated-incident suite: its data is a pure function of the seed, point-adjusted scoring counts a
// found incident's points, and a subset replays through the same path as `anomstack replay`.
import { describe, expect, it } from "vitest";
import { generateSuite, SUITE_POINTS, SUITE_SKIP, SUITE_STEP_MS } from "../../scripts/eval/suite-data.ts";
import { evaluateSuite, formatSuite, runSuite, scoreIncidents } from "../../scripts/eval/suite.ts";

describe("suite data", () => {
  const suite = generateSuite(12);

  it("is the same for the same seed and differs for another", () => {
    expect(generateSuite(12)).toEqual(suite);
    expect(generateSuite(13).incidents[0].values).not.toEqual(suite.incidents[0].values);
  });

  it("has 20 incident series of five kinds and 100 anomaly-free metrics of four, 30 days at 10 minutes", () => {
    expect(suite.incidents.map((s) => s.kind)).toEqual(["seasonal", "trending", "noisy", "counts", "sparse"].flatMap((k) => [k, k, k, k]));
    expect(new Set(suite.noise.map((s) => s.kind))).toEqual(new Set(["noise", "noise_daily", "noise_trend", "noise_daily_trend"]));
    expect(suite.noise).toHaveLength(100);
    for (const s of [...suite.incidents, ...suite.noise]) {
      expect(s.values).toHaveLength(SUITE_POINTS);
      expect(s.timestamps[1] - s.timestamps[0]).toBe(SUITE_STEP_MS);
      expect(s.values.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    }
    expect(suite.noise.every((s) => s.events.length === 0)).toBe(true);
  });

  it("plants spikes, drops, shifts and variance changes, later ones smaller, some 12-100 points apart", () => {
    for (const s of suite.incidents) {
      const types = new Set(s.events.map((e) => e.type));
      expect(types.has("spike")).toBe(true);
      if (s.kind !== "sparse") expect(types).toEqual(new Set(["spike", "drop", "level_shift", "variance"]));
      const gaps = s.events.slice(1).map((e, k) => e.start - s.events[k].end);
      expect(gaps.some((g) => g >= 12 && g <= 100)).toBe(true);
      expect(s.events.every((e) => e.start >= SUITE_SKIP && e.end < SUITE_POINTS)).toBe(true);
      const spikes = s.events.filter((e) => e.type === "spike").map((e) => e.size);
      expect(Math.min(...spikes.slice(1))).toBeLessThan(spikes[0]);
    }
    // the values carry the incidents: a 12-sd spike stands out of its neighbours
    const seasonal = suite.incidents[0];
    const spike = seasonal.events[0];
    expect(seasonal.values[spike.start] - seasonal.values[spike.start - 1]).toBeGreaterThan(150);
  });
});

describe("point-adjusted scoring", () => {
  const series = {
    metric: "m",
    kind: "noisy" as const,
    timestamps: [],
    values: [],
    events: [
      { type: "variance" as const, size: 5, start: 400, end: 435 },
      { type: "spike" as const, size: 7, start: 500, end: 500 },
    ],
  };

  it("one alert inside an incident finds all its points; alerts elsewhere are false; warm-up alerts do not count", () => {
    const alerts = new Array<boolean>(1000).fill(false);
    alerts[420] = true; // inside the variance change: its 36 points count
    alerts[700] = true; // outside: a false alert
    alerts[10] = true; // before day 2: not counted
    expect(scoreIncidents(series, alerts)).toEqual({ tp: 36, fn: 1, fp: 1, hit: [true, false] });
  });

  it("evaluates replayed history: F1 from the point-adjusted counts, alerts per 30 days on noise", () => {
    const alerts = new Array<boolean>(SUITE_POINTS).fill(false);
    alerts[500] = true;
    const changes = new Array<boolean>(SUITE_POINTS).fill(false);
    changes[SUITE_SKIP + 1] = true;
    const ts = new Array<number>(SUITE_POINTS).fill(0);
    const m = { ...series, timestamps: ts };
    const noise = { ...series, metric: "n", kind: "noise" as const, timestamps: ts, events: [] };
    const history = [
      { metric: "m", timestamps: new Array(SUITE_POINTS).fill(0), scores: [], alerts, changes: alerts.map(() => false) },
      { metric: "n", timestamps: new Array(SUITE_POINTS).fill(0), scores: [], alerts: alerts.map(() => false), changes },
    ];
    const r = evaluateSuite({ incidents: [m], noise: [noise] }, history);
    expect(r.overall).toMatchObject({ tp: 1, fn: 36, fp: 0, precision: 1, found: 1, incidents: 2 });
    expect(r.overall.f1).toBeCloseTo((2 * 1 * (1 / 37)) / (1 + 1 / 37), 12);
    expect(r.noise.anomaly_alerts_per_30d).toBe(0);
    expect(r.noise.change_alerts_per_30d).toBeCloseTo(30 / 28, 12);
    expect(r.missed).toEqual([{ metric: "m", type: "variance", size: 5, start: 400 }]);
  });
});

describe("runSuite", () => {
  it("replays a subset with the shipped default through the store and reports it", async () => {
    const r = await runSuite({ only: ["sparse_0", "noise_daily_0"], workers: 1 });
    expect(r.config).toMatchObject({ detector_preset: "default" });
    expect(r.overall.incidents).toBe(8);
    expect(r.noise.metrics).toBe(1);
    expect(r.overall.found).toBeGreaterThan(0);
    expect(formatSuite(r)).toMatch(/point-adjusted F1 \d\.\d{3}/);
    await expect(runSuite({ only: ["no-such-series"] })).rejects.toThrow(/no suite series matches/);
  }, 120_000);
});
